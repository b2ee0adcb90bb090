// The subscriptions page: lists the calendars the signed-in user sees, with the state of their
// own subscription URL for each, and makes, rotates and revokes URLs through the plugin's
// routes. No inline script: everything is in this file. The host serves plugin documents in an
// opaque origin (no storage, no session cookie), so the page signs in with a bearer token kept
// in memory only: given once as #token=..., or typed in.
(function () {
  "use strict";

  var API = "/api/plugins/calendar";
  var state = { token: null };
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
    return fetch(API + path, { method: method, headers: { authorization: "Bearer " + state.token } }).then(function (res) {
      return res.json().catch(function () { return null; }).then(function (data) {
        if (res.status === 401) showSignIn((data && data.error) || "Sign in again");
        if (res.status >= 400) throw new Error((data && data.error) || "HTTP " + res.status);
        return data;
      });
    });
  }

  function showSignIn(message) {
    $("signin").hidden = false;
    if (message) status(message, "bad");
  }
  $("signin-form").addEventListener("submit", function (e) {
    e.preventDefault();
    state.token = $("signin-token").value.trim();
    $("signin").hidden = true;
    load();
  });

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

  var fromHash = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (fromHash) {
    state.token = decodeURIComponent(fromHash[1]);
    location.hash = location.hash.replace(/(^#|&)token=[^&]+/, "$1");
  }
  if (state.token) load();
  else showSignIn();
})();
