/**
 * The dashboard script's tools: trying routes, jobs, the demo help desk and the logs. Part of the
 * one function scope DASHBOARD_SCRIPT assembles (dashboard-script.ts); kept free of backticks and
 * `${`.
 */
export const DASHBOARD_TOOLS_SCRIPT = String.raw`
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

`;
