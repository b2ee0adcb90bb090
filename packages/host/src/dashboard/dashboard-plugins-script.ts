/**
 * The dashboard script's plugin views: the plugin cards, the plugin pages it opens (and hands a
 * capability to), and the widgets in their sandboxed frames. Part of the one function scope
 * DASHBOARD_SCRIPT assembles (dashboard-script.ts); kept free of backticks and `${`.
 */
export const DASHBOARD_PLUGINS_SCRIPT = String.raw`
  // ---------- plugins ----------

  function renderPlugins(root, actions) {
    actions.appendChild(h("button", { class: "btn", onclick: function () { refreshAll().then(renderView); } }, "Refresh"));
    var loaded = 0, calls = 0, errors = 0, memory = 0;
    state.plugins.forEach(function (p) {
      if (p.loaded) loaded++;
      calls += p.metrics.calls;
      errors += p.metrics.errors;
      memory += p.memoryBytes;
    });
    var running = state.jobs.filter(function (j) { return j.running; }).length;
    var failing = state.jobs.filter(function (j) { return j.lastRun && j.lastRun.status === "failed"; }).length;
    root.appendChild(h("div", { class: "stats" },
      stat("Plugins", state.plugins.length, loaded + " loaded \u00b7 " + (state.plugins.length - loaded) + " idle or off"),
      stat("Calls", calls, "since the host started"),
      stat("Errors", errors, calls ? ((errors / calls) * 100).toFixed(1) + "% of calls" : "no calls yet", errors > 0),
      stat("Jobs", state.jobs.length, running + " running \u00b7 " + failing + " failing", failing > 0),
      stat("Memory", memory ? fmtBytes(memory) : "0", "estimated, loaded plugins")
    ));
    if (!state.plugins.length) {
      root.appendChild(h("div", { class: "card empty-state" }, h("strong", {}, "No plugins yet"), "Put plugin folders (manifest + wasm) in the plugins directory; they appear here."));
      return;
    }
    root.appendChild(h("div", { class: "cards" }, state.plugins.map(pluginCard)));
  }
  function stat(label, value, hint, bad) {
    return h("div", { class: "stat-card" + (bad ? " bad" : "") }, h("div", { class: "label" }, label), h("div", { class: "value" }, String(value)), h("div", { class: "hint" }, hint));
  }
  function pluginCard(p) {
    var m = p.metrics;
    var contributes = [plural(p.routes.length, "route"), plural(p.widgets.length, "widget"), plural(p.jobs.length, "job")];
    if (p.hooks.length) contributes.push("hooks: " + p.hooks.join(", "));
    var caps = p.permissions.filter(function (x) { return x.indexOf(":") > 0; });
    var own = p.permissions.filter(function (x) { return x.indexOf(":") < 0; });
    return h("article", { class: "card plugin" + (p.enabled ? "" : " is-disabled"), "data-plugin": p.name },
      h("div", { class: "plugin-head" },
        h("div", {},
          h("h2", {}, p.name, h("span", { class: "version" }, p.version ? "v" + p.version : "")),
          h("div", { class: "desc" }, p.description || "No description")
        ),
        h("span", { class: "pill " + p.status, "data-status": p.status, title: STATUS_HINT[p.status] }, STATUS_LABEL[p.status] || p.status)
      ),
      h("div", { class: "meta" },
        h("span", {}, "Source: ", h("strong", {}, p.source)),
        p.runtime === "grpc" ? h("span", {}, "Runtime: ", h("strong", {}, "gRPC"), p.pid ? " (pid " + p.pid + ")" : "") : null,
        h("span", { class: "mono", title: p.location }, shorten(p.location, 54)),
        p.lastUsedAt ? h("span", {}, "Last call " + fmtRelative(p.lastUsedAt)) : null,
        p.inFlight ? h("span", {}, plural(p.inFlight, "call") + " running") : null
      ),
      h("div", { class: "metrics" },
        metric("Calls", m.calls),
        metric("Errors", m.errors, m.errors > 0),
        metric("p50", fmtMs(m.p50Ms)),
        metric("p99", fmtMs(m.p99Ms)),
        metric("Memory", p.loaded ? fmtBytes(p.memoryBytes) : "\u2013")
      ),
      p.permissions.length ? h("div", {},
        h("div", { class: "section-label" }, "Permissions"),
        h("div", { class: "chips" },
          caps.map(function (x) { return h("span", { class: "chip cap", title: "host capability" }, x); }),
          own.map(function (x) { return h("span", { class: "chip own", title: "permission the plugin defines" }, x); })
        )
      ) : h("div", { class: "meta" }, "No permissions requested"),
      h("div", { class: "meta" }, contributes.join(" \u00b7 ")),
      p.menuItems.length ? h("div", { class: "meta pages" }, "Pages: ", p.menuItems.map(function (item) { return pageLink(p.name, item); })) : null,
      p.error ? h("div", { class: "alert" + (p.loaded ? " warn" : ""), role: "alert" }, p.error) : null,
      m.lastError ? h("div", { class: "last-error", title: m.lastError.message },
        h("span", {}, "Last error"), h("span", { class: "code" }, m.lastError.code),
        h("span", { class: "msg" }, shorten(m.lastError.message, 120)),
        h("span", {}, "\u00b7 " + m.lastError.handler + " \u00b7 " + fmtRelative(m.lastError.at))) : null,
      h("div", { class: "plugin-foot" },
        p.enabled
          ? h("button", { class: "btn small danger", "data-action": "disable", "data-plugin": p.name, onclick: function (e) { pluginAction(e.currentTarget, p.name, "disable"); } }, "Disable")
          : h("button", { class: "btn small success", "data-action": "enable", "data-plugin": p.name, onclick: function (e) { pluginAction(e.currentTarget, p.name, "enable"); } }, "Enable"),
        h("button", { class: "btn small", "data-action": "reload", "data-plugin": p.name, disabled: !p.enabled || p.status === "error" && !p.loaded ? true : null, onclick: function (e) { pluginAction(e.currentTarget, p.name, "reload"); } }, "Reload"),
        p.loaded ? h("button", { class: "btn small ghost", "data-action": "unload", "data-plugin": p.name, onclick: function (e) { pluginAction(e.currentTarget, p.name, "unload"); } }, "Unload") : null,
        h("span", { class: "spacer" }),
        h("a", { class: "btn small ghost", href: "#logs", onclick: function () { state.logPlugin = p.name; } }, "Logs \u2192")
      )
    );
  }
  function metric(k, v, bad) { return h("div", { class: "metric" }, h("div", { class: "k" }, k), h("div", { class: "v" + (bad ? " bad" : "") }, String(v))); }
  function shorten(text, n) { text = String(text || ""); return text.length > n ? "\u2026" + text.slice(text.length - n + 1) : text; }
  function pluginAction(button, name, action) {
    button.disabled = true;
    var past = { enable: "Enabled", disable: "Disabled", reload: "Reloaded", unload: "Unloaded" }[action];
    api("POST", "/api/v1/plugins/" + encodeURIComponent(name) + "/" + action).then(function (info) {
      replacePlugin(info);
      toast(past + " " + name);
      renderChrome();
      renderView();
    }).catch(function (error) {
      button.disabled = false;
      toast(error.message, "error");
      scheduleRefresh(false);
    });
  }

  // ---------- plugin pages ----------

  // A plugin's page opens in a tab of its own, in the opaque origin the host serves it in. A
  // page under the plugin's own routes asks this window for a capability (its plugin's routes
  // only, for the signed-in user, short-lived) with postMessage, and gets it only when the
  // message comes from a tab this page opened for that plugin and carries the tab's nonce, so a
  // page the tab navigated to later does not. Other paths open as plain links.
  var pageTabs = [];
  function pageLink(plugin, item) {
    var own = item.path.indexOf("/api/plugins/" + plugin + "/") === 0;
    if (!own) return h("a", { href: item.path, target: "_blank", rel: "noopener noreferrer", title: "Opens in a new tab (" + (item.location || "agent") + " menu)" }, item.label);
    return h("a", { href: item.path, "data-page": plugin, title: "Opens in a new tab (" + (item.location || "agent") + " menu), signed in for " + plugin + " only", onclick: function (event) {
      event.preventDefault();
      openPage(plugin, item.path);
    } }, item.label);
  }
  function openPage(plugin, path) {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    var nonce = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    var tab = window.open(path + (path.indexOf("#") >= 0 ? "&" : "#") + "gk-page=" + nonce, "_blank");
    if (!tab) { toast("The browser blocked the new tab; allow pop-ups for this page", "error"); return; }
    pageTabs = pageTabs.filter(function (t) { return !t.tab.closed; });
    pageTabs.push({ tab: tab, plugin: plugin, nonce: nonce });
  }
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || typeof data !== "object" || data.type !== "goatkit:capability-request") return;
    var opened = pageTabs.filter(function (t) { return t.tab === event.source && t.nonce === data.page; })[0];
    if (!opened) return;
    api("POST", "/api/capabilities", { plugin: opened.plugin }).then(function (capability) {
      opened.tab.postMessage({ type: "goatkit:capability", plugin: capability.plugin, token: capability.token, scope: capability.scope, expiresInSeconds: capability.expiresInSeconds }, "*");
    }, function (error) {
      opened.tab.postMessage({ type: "goatkit:capability", error: error.message }, "*");
    });
  });

  // ---------- widgets ----------

  function renderWidgets(root, actions) {
    actions.appendChild(h("button", { class: "btn", onclick: renderView }, "Refresh"));
    var counts = {};
    state.plugins.forEach(function (p) {
      if (!p.enabled) return;
      p.widgets.forEach(function (w) { counts[w.location] = (counts[w.location] || 0) + 1; });
    });
    root.appendChild(h("div", { class: "tabs", role: "tablist" }, LOCATIONS.map(function (loc) {
      return h("button", { class: loc === state.location ? "active" : "", role: "tab", "data-location": loc, onclick: function () { state.location = loc; renderView(); } },
        loc.replace("_", " "), h("span", { class: "n" }, String(counts[loc] || 0)));
    })));
    var grid = h("div", { class: "widget-grid", id: "widget-grid", "aria-busy": "true" });
    root.appendChild(grid);
    api("GET", "/api/widgets?location=" + state.location, undefined, { accept: "application/json" }).then(function (widgets) {
      grid.removeAttribute("aria-busy");
      if (!widgets.length) {
        grid.replaceWith(h("div", { class: "card empty-state" }, h("strong", {}, "No widgets in " + state.location.replace("_", " ")), "Plugins add widgets with the manifest's widgets list."));
        return;
      }
      widgets.forEach(function (w) { grid.appendChild(widgetSection(w)); });
    }).catch(function (error) { grid.replaceWith(h("div", { class: "alert" }, error.message)); });
  }
  function widgetSection(w) {
    var body = h("div", { class: "gk-widget__body" });
    var section = h("section", { class: "gk-widget gk-widget--" + w.size, "data-plugin": w.plugin, "data-widget": w.id, "data-size": w.size, "data-location": w.location, "data-status": w.status },
      h("header", { class: "gk-widget__header" }, h("h3", { class: "gk-widget__title" }, w.title), h("span", { class: "gk-widget__plugin" }, w.plugin)),
      body);
    fillWidget(body, w);
    if (w.refresh_seconds > 0) scheduleWidgetRefresh(section, body, w);
    return section;
  }
  // Widget HTML is the plugin's: it renders in a sandboxed frame without forms, so its styles,
  // its position: fixed and its forms stay inside the frame. Without allow-same-origin the frame
  // has an opaque origin: its requests to the host carry no session cookie, and this page's DOM
  // is out of its reach. The frame inherits this page's Content-Security-Policy, so the one
  // script that runs in it is the sizing script below, under this page's nonce; the widget's own
  // scripts and inline handlers are refused.
  var NONCE = document.currentScript ? document.currentScript.nonce : "";
  var SIZE_SCRIPT = "(function () { function post() { parent.postMessage({ type: \"goatkit:widget-size\", height: Math.ceil(document.body.getBoundingClientRect().height) }, \"*\"); }" +
    " addEventListener(\"DOMContentLoaded\", function () { post(); new ResizeObserver(post).observe(document.body); }); addEventListener(\"load\", post); })();";
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || data.type !== "goatkit:widget-size" || typeof data.height !== "number") return;
    document.querySelectorAll(".gk-widget__frame").forEach(function (frame) {
      if (frame.contentWindow === event.source) frame.style.height = Math.max(0, Math.min(2000, Math.ceil(data.height))) + "px";
    });
  });
  function fillWidget(body, w) {
    clear(body);
    body.parentNode && body.parentNode.setAttribute("data-status", w.status);
    if (w.error) {
      body.appendChild(h("div", { class: "gk-widget__error", role: "alert" }, h("strong", {}, "This widget failed"), " (" + w.error.code + "): " + w.error.message));
      return;
    }
    var frame = h("iframe", { class: "gk-widget__frame", title: w.title, sandbox: "allow-scripts allow-popups allow-popups-to-escape-sandbox", referrerpolicy: "no-referrer" });
    // The sizing script comes before the widget's HTML, which cannot reach back into the head.
    frame.srcdoc = '<!doctype html><html><head><meta charset="utf-8"><base target="_blank">' + WIDGET_HEAD + '<script nonce="' + NONCE + '">' + SIZE_SCRIPT + "</" + "script></head><body>" + w.html + "</body></html>";
    body.appendChild(frame);
  }
  var WIDGET_HEAD = (function () {
    var template = document.getElementById("widget-frame-head");
    return template ? template.innerHTML : "";
  })();
  function scheduleWidgetRefresh(section, body, w) {
    var url = "/api/plugins/" + encodeURIComponent(w.plugin) + "/widgets/" + encodeURIComponent(w.id);
    state.widgetTimers.push(setInterval(function () {
      if (!section.isConnected) return;
      api("GET", url, undefined, { accept: "application/json" }).then(function (next) { fillWidget(body, next); }).catch(function () { /* keep the last rendering */ });
    }, w.refresh_seconds * 1000));
  }

`;
