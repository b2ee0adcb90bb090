/**
 * The dashboard's browser script, inlined into the page under a CSP nonce. Plain ES2020 that
 * builds the DOM with `h()`: text is never parsed as HTML, and plugin widget HTML renders in
 * sandboxed frames of its own. Signing in exchanges the admin token for an HttpOnly session
 * cookie (`POST /api/session`), so the token is kept in no storage a script can read; requests
 * that change state carry the session's CSRF token. It follows `/api/v1/events` and
 * `/api/v1/logs/stream` (SSE read through fetch).
 *
 * Kept free of backticks and `${`, so it can live in this template literal.
 */
export const DASHBOARD_SCRIPT = String.raw`
(function () {
  "use strict";
  // Where versions before sessions kept the token: removed on sight.
  var LEGACY_TOKEN_KEY = "goatkit.token";
  var CSRF_HEADER = "x-goatkit-csrf";
  var LEVELS = ["debug", "info", "warn", "error"];
  var LOCATIONS = ["agent_home", "admin_home", "customer_home", "ticket_sidebar", "ticket_detail"];
  var METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
  var VIEWS = {
    plugins: ["Plugins", "Installed plugins: their state, permissions and call metrics."],
    widgets: ["Widgets", "Plugin widgets as they render in each location, for the signed-in user."],
    routes: ["Routes", "Every plugin route at its mount path. Pick one to try it."],
    jobs: ["Jobs", "Scheduled jobs from manifests and schedule_job, with their run history."],
    logs: ["Logs", "Plugin and host log lines, live."],
    tickets: ["Help desk", "The demo help desk: create and change tickets; each save fires after_save at the plugins."]
  };
  var STATUS_LABEL = { discovered: "Idle", loading: "Loading", loaded: "Loaded", disabled: "Disabled", error: "Error" };
  var STATUS_HINT = {
    discovered: "Discovered; the module loads on first use",
    loading: "Loading the module",
    loaded: "Loaded and serving calls",
    disabled: "Disabled by an administrator: calls are refused",
    error: "Broken: see the message below"
  };

  var state = {
    csrf: null, user: null, plugins: [], jobs: [], view: "plugins", location: "agent_home",
    selected: null, openJobs: {}, runs: {}, logs: [], logPlugin: "", logLevel: "debug", logText: "",
    paused: false, streams: { events: false, logs: false }, widgetTimers: [], booted: false
  };

  // ---------- helpers ----------

  function h(tag, props) {
    var el = document.createElement(tag);
    var key;
    for (key in props || {}) {
      var value = props[key];
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") el.className = value;
      else if (key === "text") el.textContent = value;
      else if (key.slice(0, 2) === "on") el.addEventListener(key.slice(2), value);
      else if (value === true) el.setAttribute(key, "");
      else el.setAttribute(key, String(value));
    }
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }
  function append(el, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(el, c); }); return; }
    el.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }
  function $(selector) { return document.querySelector(selector); }

  // The session cookie travels by itself; a request that changes state also carries the CSRF token.
  function authHeaders(extra, method) {
    var headers = Object.assign({}, extra || {});
    if (state.csrf && method && ["GET", "HEAD", "OPTIONS"].indexOf(method) < 0) headers[CSRF_HEADER] = state.csrf;
    return headers;
  }
  function api(method, path, body, headers) {
    var init = { method: method, credentials: "same-origin", headers: authHeaders(Object.assign(body === undefined ? {} : { "content-type": "application/json" }, headers || {}), method) };
    if (body !== undefined) init.body = JSON.stringify(body);
    return fetch(path, init).then(function (res) {
      return res.text().then(function (text) {
        var data = text;
        try { data = text ? JSON.parse(text) : null; } catch (e) { /* not JSON */ }
        if (!res.ok) {
          var error = new Error((data && data.error) || res.status + " " + res.statusText);
          error.status = res.status;
          throw error;
        }
        return data;
      });
    });
  }

  function fmtMs(v) {
    if (v === null || v === undefined) return "\u2013";
    if (v < 1) return v.toFixed(2) + " ms";
    if (v < 100) return v.toFixed(1) + " ms";
    if (v < 10000) return Math.round(v) + " ms";
    return (v / 1000).toFixed(1) + " s";
  }
  function fmtBytes(n) {
    if (!n) return "\u2013";
    if (n < 1024) return n + " B";
    if (n < 1048576) return (n / 1024).toFixed(1) + " KiB";
    return (n / 1048576).toFixed(1) + " MiB";
  }
  function fmtRelative(iso) {
    if (!iso) return "\u2013";
    var diff = (new Date(iso).getTime() - Date.now()) / 1000;
    var abs = Math.abs(diff);
    var text = abs < 1 ? "now" : abs < 60 ? Math.round(abs) + " s" : abs < 3600 ? Math.round(abs / 60) + " min" : abs < 86400 ? Math.round(abs / 3600) + " h" : Math.round(abs / 86400) + " d";
    if (text === "now") return text;
    return diff > 0 ? "in " + text : text + " ago";
  }
  function fmtClock(iso) {
    var d = new Date(iso);
    function pad(n, w) { return String(n).padStart(w || 2, "0"); }
    return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + "." + pad(d.getMilliseconds(), 3);
  }
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }
  function pill(kind, label, title) { return h("span", { class: "pill " + kind, title: title }, label); }

  function toast(message, kind) {
    var el = h("div", { class: "toast " + (kind || ""), role: "status" }, message);
    $("#toasts").appendChild(el);
    setTimeout(function () { el.remove(); }, kind === "error" ? 7000 : 3500);
  }

  // ---------- data ----------

  function refreshAll() {
    return Promise.all([api("GET", "/api/me"), api("GET", "/api/v1/plugins"), api("GET", "/api/v1/jobs")]).then(function (r) {
      state.user = r[0];
      state.plugins = r[1].plugins;
      state.jobs = r[2];
      renderChrome();
    });
  }
  var refreshTimer = null;
  function scheduleRefresh(alsoWidgets) {
    if (alsoWidgets) state.widgetsStale = true;
    if (refreshTimer) return;
    refreshTimer = setTimeout(function () {
      refreshTimer = null;
      refreshAll().then(function () {
        if (state.view === "plugins") renderView();
        else if (state.view === "jobs") renderJobsTable();
        else if (state.view === "routes") renderRouteList();
        else if (state.view === "widgets" && state.widgetsStale) renderView();
        state.widgetsStale = false;
      }).catch(function () { /* the streams show the connection state */ });
    }, 150);
  }
  function pluginNamed(name) {
    for (var i = 0; i < state.plugins.length; i++) if (state.plugins[i].name === name) return state.plugins[i];
    return null;
  }
  function replacePlugin(info) {
    state.plugins = state.plugins.map(function (p) { return p.name === info.name ? info : p; });
  }

  // ---------- live streams (SSE over fetch) ----------

  function openStream(name, path, onEvent) {
    function connect() {
      fetch(path, { credentials: "same-origin", headers: { accept: "text/event-stream" } }).then(function (res) {
        if (!res.ok || !res.body) throw new Error("stream " + path + " answered " + res.status);
        var reader = res.body.getReader();
        var decoder = new TextDecoder();
        var buffer = "";
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) throw new Error("stream ended");
            buffer += decoder.decode(chunk.value, { stream: true });
            var blocks = buffer.split("\n\n");
            buffer = blocks.pop();
            blocks.forEach(function (block) {
              var event = "message";
              var data = [];
              block.split("\n").forEach(function (line) {
                if (line.indexOf("event:") === 0) event = line.slice(6).trim();
                else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
              });
              if (event === "ready") { setLive(name, true); return; }
              if (data.length) { try { onEvent(event, JSON.parse(data.join("\n"))); } catch (e) { /* skip a bad event */ } }
            });
            return pump();
          });
        }
        return pump();
      }).catch(function () {
        setLive(name, false);
        setTimeout(connect, 2000);
      });
    }
    connect();
  }
  function setLive(name, on) {
    state.streams[name] = on;
    var live = state.streams.events && state.streams.logs;
    var el = $("#live");
    el.classList.toggle("on", live);
    $("#live-text").textContent = live ? "Live" : "Reconnecting\u2026";
  }
  function connectStreams() {
    openStream("events", "/api/v1/events", function (event, data) {
      if (event === "plugin") scheduleRefresh(["enabled", "disabled", "reloaded", "discovered", "removed"].indexOf(data.type) >= 0);
      if (event === "job") {
        scheduleRefresh(false);
        var key = data.plugin + "/" + data.job;
        if (state.openJobs[key]) loadRuns(data.plugin, data.job);
      }
    });
    openStream("logs", "/api/v1/logs/stream?tail=300", function (event, entry) {
      if (event !== "log") return;
      state.logs.push(entry);
      if (state.logs.length > 2000) state.logs.splice(0, state.logs.length - 2000);
      if (state.view === "logs" && !state.paused) scheduleLogRender();
      updateCounts();
    });
  }

  // ---------- chrome ----------

  function renderChrome() {
    updateCounts();
    var who = $("#who-name");
    who.textContent = state.user ? state.user.login + " \u00b7 " + state.user.role : "";
  }
  function updateCounts() {
    var routes = 0, widgets = 0, broken = 0;
    state.plugins.forEach(function (p) {
      routes += p.routes.length;
      if (p.enabled) widgets += p.widgets.length;
      if (p.status === "error") broken++;
    });
    setCount("plugins", state.plugins.length, broken > 0);
    setCount("widgets", widgets);
    setCount("routes", routes);
    setCount("jobs", state.jobs.length, state.jobs.some(function (j) { return j.lastRun && j.lastRun.status === "failed"; }));
    var errors = state.logs.filter(function (l) { return l.level === "error"; }).length;
    setCount("logs", errors ? errors : "", errors > 0, plural(errors, "error line"));
  }
  function setCount(view, n, alert, title) {
    var el = document.querySelector('[data-count="' + view + '"]');
    if (!el) return;
    if (title) el.title = title;
    el.textContent = n === "" ? "" : String(n);
    el.hidden = n === "";
    el.classList.toggle("alert", !!alert);
  }

  function route() {
    var view = (location.hash || "#plugins").slice(1).split("?")[0];
    if (!VIEWS[view]) view = "plugins";
    state.view = view;
    document.querySelectorAll(".nav a").forEach(function (a) { a.classList.toggle("active", a.getAttribute("data-view") === view); });
    $("#view-title").textContent = VIEWS[view][0];
    $("#view-subtitle").textContent = VIEWS[view][1];
    renderView();
  }
  function renderView() {
    state.widgetTimers.forEach(clearInterval);
    state.widgetTimers = [];
    var root = clear($("#view"));
    var actions = clear($("#view-actions"));
    if (state.view === "plugins") renderPlugins(root, actions);
    else if (state.view === "widgets") renderWidgets(root, actions);
    else if (state.view === "routes") renderRoutes(root);
    else if (state.view === "jobs") renderJobs(root);
    else if (state.view === "tickets") renderTickets(root);
    else renderLogs(root);
  }

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

  // ---------- routes ----------

  function renderRoutes(root) {
    root.appendChild(h("div", { class: "routes-layout" }, h("div", { id: "route-list" }), h("div", { class: "card try", id: "try" })));
    renderRouteList();
    renderTry();
  }
  function renderRouteList() {
    var list = document.getElementById("route-list");
    if (!list) return;
    clear(list);
    var withRoutes = state.plugins.filter(function (p) { return p.routes.length; });
    if (!withRoutes.length) {
      list.appendChild(h("div", { class: "card empty-state" }, h("strong", {}, "No routes"), "Plugins serve HTTP routes with the manifest's routes list."));
      return;
    }
    withRoutes.forEach(function (p) {
      list.appendChild(h("section", { class: "card route-group" },
        h("header", {}, h("h2", {}, p.name), pill(p.status, STATUS_LABEL[p.status], STATUS_HINT[p.status]), h("span", { class: "sub" }, plural(p.routes.length, "route"))),
        p.routes.map(function (r) {
          var selected = state.selected && state.selected.plugin === p.name && state.selected.method === r.method && state.selected.path === r.mountPath;
          var mw = r.middleware || [];
          return h("div", { class: "route" + (selected ? " selected" : ""), "data-route": r.method + " " + r.mountPath, onclick: function () { selectRoute(p.name, r); } },
            h("span", { class: "method " + r.method }, r.method),
            h("div", {}, h("div", { class: "path" }, pathParts(r.mountPath)), r.description ? h("div", { class: "desc" }, r.description) : null),
            h("div", { class: "locks" }, mw.map(function (x) { return h("span", { class: "tag " + x, title: x === "admin" ? "administrators only" : "signed-in users only" }, x); }))
          );
        })
      ));
    });
  }
  function pathParts(path) {
    return path.split(/(:[A-Za-z_][A-Za-z0-9_]*)/).map(function (part) {
      return part.charAt(0) === ":" ? h("span", { class: "param" }, part) : part;
    });
  }
  function selectRoute(plugin, r) {
    state.selected = { plugin: plugin, method: r.method, path: r.mountPath, description: r.description, middleware: r.middleware || [], handler: r.handler };
    renderRouteList();
    renderTry();
  }
  function renderTry() {
    var panel = document.getElementById("try");
    if (!panel) return;
    clear(panel);
    var s = state.selected;
    if (!s) {
      panel.appendChild(h("h2", {}, "Try it"));
      panel.appendChild(h("div", { class: "empty" }, "Pick a route to send it a request."));
      return;
    }
    var params = (s.path.match(/:[A-Za-z_][A-Za-z0-9_]*/g) || []).map(function (x) { return x.slice(1); });
    var method = h("select", { id: "try-method" }, METHODS.map(function (m) { return h("option", { value: m, selected: m === s.method }, m); }));
    var query = h("input", { id: "try-query", placeholder: "page=2&limit=20", autocomplete: "off" });
    var body = h("textarea", { id: "try-body", placeholder: '{"key": "value"}', spellcheck: "false" });
    var useToken = h("input", { type: "checkbox", id: "try-auth", checked: true });
    var preview = h("div", { class: "url-preview", id: "try-url" });
    var result = h("div", { id: "try-result" });
    var bodyField = h("div", { class: "field" }, h("label", { for: "try-body" }, "Body"), body);
    function update() {
      preview.textContent = method.value + " " + buildUrl(s.path, params, query.value);
      bodyField.hidden = method.value === "GET" || method.value === "HEAD";
    }
    panel.appendChild(h("h2", {}, "Try ", h("span", { class: "method " + s.method }, s.method)));
    panel.appendChild(h("div", { class: "meta" }, h("span", {}, "Plugin ", h("strong", {}, s.plugin)), h("span", {}, "Handler ", h("span", { class: "mono" }, s.handler)),
      s.middleware.length ? h("span", {}, "Requires " + s.middleware.join(" + ")) : h("span", {}, "Public")));
    panel.appendChild(h("div", { class: "row" }, h("div", { class: "field", style: "flex: 0 0 120px" }, h("label", { for: "try-method" }, "Method"), method)));
    params.forEach(function (name) {
      panel.appendChild(h("div", { class: "field" }, h("label", { for: "try-param-" + name }, ":" + name), h("input", { id: "try-param-" + name, "data-param": name, placeholder: name, autocomplete: "off", oninput: update })));
    });
    panel.appendChild(h("div", { class: "field" }, h("label", { for: "try-query" }, "Query string"), query));
    panel.appendChild(bodyField);
    panel.appendChild(h("label", { class: "check" }, useToken, "Send my session (as " + (state.user ? state.user.login : "me") + ")"));
    panel.appendChild(preview);
    panel.appendChild(h("div", {}, h("button", { class: "btn primary", id: "try-send", onclick: send }, "Send request")));
    panel.appendChild(result);
    method.addEventListener("change", update);
    query.addEventListener("input", update);
    update();

    function send() {
      var missing = params.filter(function (name) { return !document.getElementById("try-param-" + name).value; });
      if (missing.length) { toast("Fill in :" + missing.join(", :"), "error"); return; }
      var url = buildUrl(s.path, params, query.value);
      // Unticked, the request goes without the session cookie, as an anonymous client's would.
      var init = { method: method.value, credentials: useToken.checked ? "same-origin" : "omit", headers: useToken.checked ? authHeaders({}, method.value) : {} };
      if (!bodyField.hidden && body.value) {
        init.body = body.value;
        init.headers["content-type"] = /^\s*[\[{]/.test(body.value) ? "application/json" : "text/plain";
      }
      var started = performance.now();
      var button = document.getElementById("try-send");
      button.disabled = true;
      fetch(url, init).then(function (res) {
        return res.text().then(function (text) { showResponse(result, res, text, performance.now() - started); });
      }).catch(function (error) {
        clear(result).appendChild(h("div", { class: "alert" }, "The request failed: " + error.message));
      }).then(function () { button.disabled = false; scheduleRefresh(false); });
    }
  }
  function buildUrl(path, params, query) {
    var url = path;
    params.forEach(function (name) {
      var input = document.getElementById("try-param-" + name);
      var value = input && input.value ? encodeURIComponent(input.value) : ":" + name;
      url = url.replace(":" + name, value);
    });
    query = (query || "").replace(/^\?/, "").trim();
    return query ? url + "?" + query : url;
  }
  function showResponse(target, res, text, ms) {
    clear(target);
    var kind = res.status < 300 ? "ok" : res.status < 500 ? "warn" : "error";
    var type = res.headers.get("content-type") || "";
    var pretty = text;
    if (type.indexOf("json") >= 0) { try { pretty = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { /* keep text */ } }
    var rows = [];
    res.headers.forEach(function (value, name) { rows.push(h("tr", {}, h("td", {}, name), h("td", {}, value))); });
    target.appendChild(h("div", { class: "response" },
      h("header", {}, h("span", { class: "pill " + kind, id: "try-status" }, res.status + " " + (res.statusText || "")), h("span", {}, fmtMs(ms)), h("span", {}, type)),
      h("details", {}, h("summary", {}, plural(rows.length, "header")), h("table", { class: "kv" }, rows)),
      h("pre", { id: "try-response-body" }, pretty || "(empty body)")
    ));
  }

  // ---------- jobs ----------

  // ---------- demo help desk ----------

  function renderTickets(root) {
    var form = h("form", { class: "card desk-form", id: "desk-new" },
      h("div", { class: "row" },
        h("div", { class: "field" }, h("label", { for: "desk-title" }, "Title"), h("input", { id: "desk-title", name: "title", required: true, placeholder: "Printer offline on floor 3" })),
        h("div", { class: "field" }, h("label", { for: "desk-queue" }, "Queue"), h("select", { id: "desk-queue", name: "queue" }))),
      h("div", { class: "field" }, h("label", { for: "desk-body" }, "Message"), h("textarea", { id: "desk-body", name: "body", placeholder: "What the customer wrote" })),
      h("div", {}, h("button", { class: "btn primary", type: "submit", id: "desk-create" }, "Create ticket")));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var body = { title: $("#desk-title").value, queue: $("#desk-queue").value };
      if ($("#desk-body").value.trim()) body.body = $("#desk-body").value;
      api("POST", "/api/demo/tickets", body).then(function (saved) {
        toast("Ticket " + saved.ticket.tn + " created; after_save reached " + plural(saved.hooks.length, "plugin"), "success");
        $("#desk-title").value = "";
        $("#desk-body").value = "";
        showSave(saved);
        loadTickets();
      }).catch(function (error) { toast(error.message, "error"); });
    });
    root.appendChild(form);
    root.appendChild(h("div", { class: "card desk-hooks", id: "desk-hooks", hidden: true }));
    root.appendChild(h("div", { class: "card", id: "desk-tickets" }, h("div", { class: "empty-state" }, "Loading\u2026")));
    loadTickets();
  }
  function showSave(saved) {
    var card = document.getElementById("desk-hooks");
    if (!card) return;
    clear(card).hidden = false;
    card.appendChild(h("h2", {}, "after_save for ticket " + saved.ticket.tn + " (" + (saved.event.events.join(", ") || "no ticket event") + ")"));
    if (!saved.hooks.length) card.appendChild(h("p", { class: "sub" }, "No plugin hooks after_save."));
    saved.hooks.forEach(function (r) {
      card.appendChild(h("div", { class: "desk-hook", "data-plugin": r.plugin }, h("strong", {}, r.plugin), " ", pill(r.response.status < 400 ? "loaded" : "error", String(r.response.status)), h("pre", {}, typeof r.response.body === "string" ? r.response.body : JSON.stringify(r.response.body))));
    });
  }
  function loadTickets() {
    return api("GET", "/api/demo/tickets?limit=15").then(function (data) {
      var select = $("#desk-queue");
      if (select && !select.options.length) data.queues.forEach(function (q) { select.appendChild(h("option", { value: q, selected: q === "Support" ? true : null }, q)); });
      var card = document.getElementById("desk-tickets");
      if (!card) return;
      clear(card).appendChild(h("table", { class: "data" },
        h("thead", {}, h("tr", {}, h("th", {}, "Ticket"), h("th", {}, "Title"), h("th", {}, "Queue"), h("th", {}, "State"), h("th", {}, "Changed"), h("th", {}))),
        h("tbody", {}, data.tickets.map(function (t) {
          var state = h("select", { "aria-label": "State of " + t.tn }, data.states.map(function (s) { return h("option", { value: s, selected: s === t.state ? true : null }, s); }));
          state.addEventListener("change", function () {
            api("PATCH", "/api/demo/tickets/" + t.id, { state: state.value }).then(function (saved) { toast("Ticket " + t.tn + " is " + state.value, "success"); showSave(saved); loadTickets(); }).catch(function (error) { toast(error.message, "error"); });
          });
          return h("tr", { "data-ticket": t.id }, h("td", {}, h("code", {}, t.tn)), h("td", {}, t.title), h("td", {}, t.queue), h("td", {}, state), h("td", { class: "sub" }, t.change_time), h("td", {}));
        }))));
    }).catch(function (error) { toast(error.message, "error"); });
  }

  function renderJobs(root) {
    root.appendChild(h("div", { class: "card", id: "jobs-card" }));
    renderJobsTable();
  }
  function renderJobsTable() {
    var card = document.getElementById("jobs-card");
    if (!card) return;
    clear(card);
    if (!state.jobs.length) {
      card.appendChild(h("div", { class: "empty-state" }, h("strong", {}, "No jobs"), "Plugins declare jobs in the manifest, or schedule them with schedule_job."));
      return;
    }
    var rows = [];
    state.jobs.forEach(function (j) {
      var key = j.plugin + "/" + j.id;
      var last = j.lastRun;
      rows.push(h("tr", { "data-job": key },
        h("td", {}, h("div", {}, h("strong", {}, j.id)), h("div", { class: "sub" }, j.plugin + " \u00b7 " + j.handler + (j.description ? " \u00b7 " + j.description : ""))),
        h("td", {}, h("code", {}, j.schedule), h("div", { class: "sub" }, j.source === "manifest" ? "manifest" + (j.retries ? " \u00b7 " + j.retries + (j.retries === 1 ? " retry" : " retries") : "") : "schedule_job")),
        h("td", { class: "nowrap" }, j.paused ? pill("disabled", "Paused", "the plugin is disabled") : h("span", { title: j.nextRunAt || "" }, fmtRelative(j.nextRunAt)),
          j.retryAt ? h("div", { class: "sub" }, "retry " + fmtRelative(j.retryAt)) : null),
        h("td", { class: "nowrap" }, j.running ? pill("running", "Running") : last ? h("span", {}, pill(last.status, cap(last.status)), " ", h("span", { class: "sub", title: last.startedAt }, fmtRelative(last.startedAt))) : h("span", { class: "sub" }, "never run")),
        h("td", { class: "nowrap", style: "text-align: right" },
          h("button", { class: "btn small", "data-action": "run-job", "data-job": key, disabled: j.running || j.paused ? true : null, onclick: function (e) { runJob(e.currentTarget, j); } }, "Run now"), " ",
          h("button", { class: "btn small ghost", "data-action": "job-history", "data-job": key, onclick: function () { toggleHistory(j); } }, state.openJobs[key] ? "Hide history" : "History"))
      ));
      if (state.openJobs[key]) rows.push(h("tr", { class: "history" }, h("td", { colspan: "5" }, runsTable(state.runs[key]))));
    });
    card.appendChild(h("table", { class: "data" },
      h("thead", {}, h("tr", {}, h("th", {}, "Job"), h("th", {}, "Schedule"), h("th", {}, "Next run"), h("th", {}, "Last run"), h("th", {}))),
      h("tbody", {}, rows)));
  }
  function cap(s) { return s.charAt(0).toUpperCase() + s.slice(1); }
  function runsTable(runs) {
    if (!runs) return h("div", { class: "empty-state" }, "Loading\u2026");
    if (!runs.length) return h("div", { class: "empty-state" }, "No runs yet.");
    return h("table", { class: "runs" },
      h("thead", {}, h("tr", {}, h("th", {}, "Run"), h("th", {}, "Trigger"), h("th", {}, "Attempt"), h("th", {}, "Started"), h("th", {}, "Duration"), h("th", {}, "Status"), h("th", {}, "Result or error"))),
      h("tbody", {}, runs.slice().reverse().map(function (r) {
        var out = r.error ? r.error.code + ": " + r.error.message : r.result || "";
        return h("tr", {},
          h("td", {}, "#" + r.id), h("td", {}, r.trigger), h("td", {}, String(r.attempt)),
          h("td", { class: "nowrap", title: r.startedAt }, fmtClock(r.startedAt)), h("td", {}, fmtMs(r.durationMs)),
          h("td", {}, pill(r.status, cap(r.status))), h("td", { class: "out", title: out }, out));
      })));
  }
  function toggleHistory(j) {
    var key = j.plugin + "/" + j.id;
    state.openJobs[key] = !state.openJobs[key];
    renderJobsTable();
    if (state.openJobs[key]) loadRuns(j.plugin, j.id);
  }
  function loadRuns(plugin, id) {
    api("GET", "/api/v1/plugins/" + encodeURIComponent(plugin) + "/jobs/" + encodeURIComponent(id) + "/runs").then(function (runs) {
      state.runs[plugin + "/" + id] = runs;
      if (state.view === "jobs") renderJobsTable();
    }).catch(function (error) { toast(error.message, "error"); });
  }
  function runJob(button, j) {
    button.disabled = true;
    api("POST", "/api/v1/plugins/" + encodeURIComponent(j.plugin) + "/jobs/" + encodeURIComponent(j.id) + "/run").then(function (run) {
      toast("Job " + j.id + ": " + run.status + (run.error ? " (" + run.error.message + ")" : ""), run.status === "failed" ? "error" : "");
      state.openJobs[j.plugin + "/" + j.id] = true;
      loadRuns(j.plugin, j.id);
      scheduleRefresh(false);
    }).catch(function (error) { toast(error.message, "error"); button.disabled = false; });
  }

  // ---------- logs ----------

  var logRender = null;
  function scheduleLogRender() {
    if (logRender) return;
    logRender = requestAnimationFrame(function () { logRender = null; renderLogList(); });
  }
  function renderLogs(root) {
    var names = {};
    state.plugins.forEach(function (p) { names[p.name] = true; });
    state.logs.forEach(function (l) { names[l.plugin] = true; });
    var plugin = h("select", { id: "log-plugin", onchange: function (e) { state.logPlugin = e.target.value; renderLogList(); } },
      h("option", { value: "" }, "All plugins"),
      Object.keys(names).sort().map(function (n) { return h("option", { value: n, selected: n === state.logPlugin }, n); }));
    var level = h("select", { id: "log-level", onchange: function (e) { state.logLevel = e.target.value; renderLogList(); } },
      LEVELS.map(function (l) { return h("option", { value: l, selected: l === state.logLevel }, l === "debug" ? "All levels" : l + " and above"); }));
    var search = h("input", { id: "log-search", type: "search", placeholder: "Search messages", value: state.logText, oninput: function (e) { state.logText = e.target.value; renderLogList(); } });
    var pause = h("button", { class: "btn small", id: "log-pause", onclick: function () {
      state.paused = !state.paused;
      pause.textContent = state.paused ? "Resume" : "Pause";
      if (!state.paused) renderLogList();
    } }, state.paused ? "Resume" : "Pause");
    var clearButton = h("button", { class: "btn small ghost", onclick: function () { state.logs = []; renderLogList(); updateCounts(); } }, "Clear");
    root.appendChild(h("div", { class: "card" },
      h("div", { class: "log-toolbar" }, plugin, level, search, h("span", { class: "spacer" }), h("span", { class: "sub", id: "log-count" }), pause, clearButton),
      h("div", { class: "log-list", id: "log-list", role: "log", "aria-live": "polite" })));
    renderLogList();
  }
  function renderLogList() {
    var list = document.getElementById("log-list");
    if (!list) return;
    var floor = LEVELS.indexOf(state.logLevel);
    var text = state.logText.toLowerCase();
    var shown = state.logs.filter(function (l) {
      return (!state.logPlugin || l.plugin === state.logPlugin) && LEVELS.indexOf(l.level) >= floor && (!text || (l.message + " " + l.plugin).toLowerCase().indexOf(text) >= 0);
    });
    clear(list);
    document.getElementById("log-count").textContent = plural(shown.length, "line");
    if (!shown.length) {
      list.appendChild(h("div", { class: "empty-state" }, "No log lines match. New lines appear here as plugins write them."));
      return;
    }
    shown.slice(-500).reverse().forEach(function (l) {
      var fields = l.fields && Object.keys(l.fields).length ? JSON.stringify(l.fields) : "";
      list.appendChild(h("div", { class: "log " + l.level },
        h("span", { class: "t", title: l.time }, fmtClock(l.time)),
        h("span", { class: "lvl " + l.level }, l.level),
        h("span", { class: "p", title: l.plugin }, l.plugin),
        h("span", { class: "m" }, l.message, fields ? h("span", { class: "f" }, fields) : null)));
    });
  }

  // ---------- sign-in and start ----------

  function showSignIn(message) {
    var overlay = $("#signin");
    overlay.hidden = false;
    setSignInMessage(message);
    $("#signin-token").focus();
  }
  // Exchanges a bearer token for the session cookie; the token itself is then forgotten.
  function openSession(token) {
    return api("POST", "/api/session", undefined, { authorization: "Bearer " + token }).then(function (session) {
      state.csrf = session.csrf;
      return session;
    });
  }
  function signIn(event) {
    event.preventDefault();
    var token = $("#signin-token").value.trim();
    if (!token) return;
    openSession(token).then(refreshAll).then(function () {
      $("#signin").hidden = true;
      $("#signin-token").value = "";
      start();
    }).catch(function (error) {
      $("#signin-token").value = "";
      if (error.status === 403 && state.csrf) showPagesOnly();
      else setSignInMessage(error.message);
    });
  }
  // A user who is not an administrator gets no admin views, only the plugin pages the menu
  // shows them, opened from here so that they get their capability.
  function showPagesOnly() {
    $("#signin").hidden = false;
    $("#signin-form").hidden = true;
    var card = $("#pages-only");
    card.hidden = false;
    api("GET", "/api/menu").then(function (items) {
      var list = clear($("#pages-only-list"));
      if (!items.length) list.appendChild(h("li", { class: "sub" }, "No plugin pages for you yet."));
      items.forEach(function (item) { list.appendChild(h("li", {}, pageLink(item.plugin, item))); });
    }).catch(function (error) { toast(error.message, "error"); });
  }
  function setSignInMessage(message) {
    var el = $("#signin-message");
    el.textContent = message || "";
    el.hidden = !message;
  }
  function signOut() {
    api("DELETE", "/api/session").catch(function () { /* signed out already */ }).then(function () {
      location.hash = "";
      location.reload();
    });
  }
  function start() {
    if (state.booted) { route(); return; }
    state.booted = true;
    route();
    connectStreams();
    setInterval(function () { if (state.view === "jobs" || state.view === "plugins") scheduleRefresh(false); }, 15000);
  }
  function boot() {
    try { localStorage.removeItem(LEGACY_TOKEN_KEY); } catch (e) { /* storage unavailable */ }
    // The printed dashboard URL carries the token once, in the fragment (never sent to the server).
    var match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    var hadToken = !!match;
    if (match) history.replaceState(null, "", location.pathname + "#plugins");
    // Without a session the API may still answer (a dev server's anonymous user); else sign in.
    var session = match
      ? openSession(decodeURIComponent(match[1]))
      : api("GET", "/api/session").then(function (s) { state.csrf = s.csrf; }, function (error) { if (error.status !== 401) throw error; });
    $("#signin-form").addEventListener("submit", signIn);
    $("#sign-out").addEventListener("click", signOut);
    $("#pages-only-sign-out").addEventListener("click", signOut);
    window.addEventListener("hashchange", route);
    session.then(refreshAll).then(start).catch(function (error) {
      if (error.status === 403 && state.csrf) showPagesOnly();
      else if (error.status === 401 || error.status === 403) showSignIn(hadToken || state.csrf ? error.message : "");
      else toast("Cannot reach the host: " + error.message, "error");
    });
  }
  boot();
})();
`;
