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
import { DASHBOARD_PLUGINS_SCRIPT } from "./dashboard-plugins-script.js";
import { DASHBOARD_TOOLS_SCRIPT } from "./dashboard-tools-script.js";

// One function scope, written in order across files by what each part shows: the helpers,
// data and chrome here; plugins, their pages and widgets; routes, jobs, the demo desk and logs;
// then signing in and starting, here.
const START = String.raw`
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
  var STATUS_LABEL = { discovered: "Not loaded", loading: "Loading", loaded: "Loaded", disabled: "Disabled", error: "Error" };
  var STATUS_HINT = {
    discovered: "Registered from its manifest (routes, widgets, menus known); the module loads on first use",
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
        // Either way the stream is down: the catch below marks it and reconnects.
        if (!res.ok || !res.body) return Promise.reject("stream " + path + " answered " + res.status);
        var reader = res.body.getReader();
        var decoder = new TextDecoder();
        var buffer = "";
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) return Promise.reject("stream ended");
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

`;

const SIGN_IN_AND_BOOT = String.raw`
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


export const DASHBOARD_SCRIPT = START + DASHBOARD_PLUGINS_SCRIPT + DASHBOARD_TOOLS_SCRIPT + SIGN_IN_AND_BOOT;
