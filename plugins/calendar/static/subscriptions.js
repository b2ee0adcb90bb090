// The subscriptions page: lists the calendars the signed-in user sees, with the state of their
// own subscription URL for each, and makes, rotates and revokes URLs through the plugin's
// routes. No inline script: everything is in this file. The host serves plugin documents in an
// opaque origin (no storage, no session cookie), so the page signs in with the capability the
// dashboard that opened it hands over (docs/http.md).
(function () {
  "use strict";

  var API = "/api/plugins/calendar";
  var NOT_OPENED = "Open this page from the GoatKit dashboard (sign in there, then Calendar subscriptions): it signs this page in for the calendar plugin only.";
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }

  function status(text, kind) {
    $("status").textContent = text;
    $("status").className = kind || "";
  }

  function api(method, path) {
    return signIn().then(function (token) {
      return fetch(API + path, { method: method, headers: { authorization: "Bearer " + token } });
    }, function (error) {
      showSignIn(error.message);
      throw error;
    }).then(function (res) {
      return res.json().catch(function () { return null; }).then(function (data) {
        if (res.status === 401) showSignIn((data && data.error) || NOT_OPENED);
        if (res.status >= 400) throw new Error((data && data.error) || "HTTP " + res.status);
        return data;
      });
    });
  }

  // Sign-in: the dashboard tab that opened this page hands it a capability for this plugin's
  // routes only (docs/http.md), asked for with postMessage and kept in memory; a fresh one is
  // asked for a minute before it expires. Nobody types a token here.
  var OPENED_AS = /(?:^#|&)gk-page=([0-9a-f]+)/.exec(location.hash);
  var capability = null;
  var asking = null;
  function signIn() {
    if (capability && Date.now() < capability.renewAt) return Promise.resolve(capability.token);
    if (asking) return asking;
    asking = new Promise(function (resolve, reject) {
      var dashboard = window.opener;
      if (!dashboard || !OPENED_AS) { reject(new Error(NOT_OPENED)); return; }
      var timer = setTimeout(function () { done(new Error("The dashboard that opened this page did not answer: open the page from the dashboard again.")); }, 10000);
      function done(error, token) {
        clearTimeout(timer);
        window.removeEventListener("message", onMessage);
        asking = null;
        if (error) reject(error);
        else resolve(token);
      }
      function onMessage(event) {
        var data = event.data;
        if (event.source !== dashboard || !data || data.type !== "goatkit:capability") return;
        if (data.error) { done(new Error(data.error)); return; }
        capability = { token: data.token, renewAt: Date.now() + Math.max(0, data.expiresInSeconds - 60) * 1000 };
        done(null, data.token);
      }
      window.addEventListener("message", onMessage);
      dashboard.postMessage({ type: "goatkit:capability-request", page: OPENED_AS[1] }, "*");
    });
    return asking;
  }
  function showSignIn(message) {
    $("signin-message").textContent = message || NOT_OPENED;
    $("signin").hidden = false;
  }

  function when(instant) {
    return instant ? new Date(instant).toLocaleString() : "never";
  }

  function row(calendar, feed) {
    var actions = el("td", { class: "actions" });
    var make = el("button", { type: "button", "data-action": feed.active ? "rotate" : "make", text: feed.active ? "Rotate URL" : "Make URL" });
    make.addEventListener("click", function () { issue(calendar, feed.active); });
    actions.appendChild(make);
    if (feed.active) {
      var revoke = el("button", { type: "button", class: "quiet", "data-action": "revoke", text: "Revoke" });
      revoke.addEventListener("click", function () { revokeUrl(calendar); });
      actions.appendChild(revoke);
    }
    return el("tr", { "data-calendar": String(calendar.id) }, [
      el("td", { text: calendar.name }),
      el("td", { text: calendar.timezone }),
      el("td", { class: "feed-state", text: feed.active ? "active since " + when(feed.created_at) : "none" }),
      el("td", { text: feed.active ? when(feed.last_used_at) : "" }),
      actions,
    ]);
  }

  function load() {
    status("Loading…");
    return api("GET", "/calendars")
      .then(function (data) {
        var calendars = data.calendars;
        return Promise.all(calendars.map(function (c) { return api("GET", "/calendars/" + c.id + "/feed-url"); })).then(function (feeds) {
          var body = $("calendars");
          body.textContent = "";
          if (calendars.length === 0) body.appendChild(el("tr", {}, [el("td", { colspan: "5", class: "hint", text: "No calendars yet: create one with POST " + API + "/calendars." })]));
          calendars.forEach(function (c, i) { body.appendChild(row(c, feeds[i])); });
          status("");
        });
      })
      .catch(function (error) { status(error.message, "bad"); });
  }

  function issue(calendar, rotating) {
    if (rotating && !window.confirm("Rotate the URL of " + calendar.name + "? Calendar apps subscribed to the old URL stop getting updates until you give them the new one.")) return;
    api("POST", "/calendars/" + calendar.id + "/feed-url")
      .then(function (made) {
        $("new-url-calendar").textContent = calendar.name;
        $("new-url-value").value = made.feed_url;
        $("new-url").hidden = false;
        $("new-url-value").select();
        return load().then(function () { status(rotating ? "New URL made; the old one no longer works" : "URL made", "good"); });
      })
      .catch(function (error) { status(error.message, "bad"); });
  }

  function revokeUrl(calendar) {
    if (!window.confirm("Revoke your URL of " + calendar.name + "? Calendar apps using it stop getting updates.")) return;
    api("DELETE", "/calendars/" + calendar.id + "/feed-url")
      .then(function () {
        $("new-url").hidden = true;
        return load().then(function () { status("URL revoked", "good"); });
      })
      .catch(function (error) { status(error.message, "bad"); });
  }

  $("copy").addEventListener("click", function () {
    var input = $("new-url-value");
    input.select();
    // The clipboard API needs a secure, non-opaque context; selecting and copying works everywhere.
    var copied = navigator.clipboard && window.isSecureContext ? navigator.clipboard.writeText(input.value) : Promise.resolve(document.execCommand("copy"));
    copied.then(function () { status("Copied", "good"); }, function () { status("Select the URL and copy it", "bad"); });
  });
  $("dismiss").addEventListener("click", function () {
    $("new-url-value").value = "";
    $("new-url").hidden = true;
  });

  load();
})();
