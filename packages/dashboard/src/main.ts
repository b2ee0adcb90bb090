/**
 * The host's admin dashboard. The host generates the page (packages/host/src/dashboard) and
 * serves this script and its styles as static assets under a CSP with `script-src 'self'`. It
 * builds the DOM with `h()`: text is never parsed as HTML, and plugin widget HTML renders in
 * sandboxed frames of its own. Signing in exchanges the admin token for an HttpOnly session
 * cookie (`POST /api/session`), so the token is kept in no storage a script can read; requests
 * that change state carry the session's CSRF token. It follows `/api/v1/events` and
 * `/api/v1/logs/stream` (SSE read through fetch).
 */
import type { MenuItemAnswer, SessionAnswer } from "@goatkit/host";
import { api, errorMessage, errorStatus } from "./api.js";
import { refreshAll, route, scheduleRefresh } from "./chrome.js";
import { $, clear, h } from "./dom.js";
import { state } from "./state.js";
import { connectStreams } from "./streams.js";
import { toast } from "./toast.js";
import { listenForCapabilityRequests, pageLink } from "./views/pages.js";
import { listenForWidgetSizes } from "./views/widgets.js";
import "./styles/dashboard.css";

// Where versions before sessions kept the token: removed on sight.
const LEGACY_TOKEN_KEY = "goatkit.token";

function showSignIn(message: string): void {
  $("#signin").hidden = false;
  setSignInMessage(message);
  $("#signin-token").focus();
}

/** Exchanges a bearer token for the session cookie; the token itself is then forgotten. */
async function openSession(token: string): Promise<SessionAnswer> {
  const session = await api<SessionAnswer>("POST", "/api/session", undefined, { authorization: "Bearer " + token });
  state.csrf = session.csrf;
  return session;
}

function signIn(event: SubmitEvent): void {
  event.preventDefault();
  const input = $<HTMLInputElement>("#signin-token");
  const token = input.value.trim();
  if (!token) return;
  openSession(token)
    .then(refreshAll)
    .then(() => {
      $("#signin").hidden = true;
      input.value = "";
      start();
    })
    .catch((error: unknown) => {
      input.value = "";
      if (errorStatus(error) === 403 && state.csrf) showPagesOnly();
      else setSignInMessage(errorMessage(error));
    });
}

// A user who is not an administrator gets no admin views, only the plugin pages the menu
// shows them, opened from here so that they get their capability.
function showPagesOnly(): void {
  $("#signin").hidden = false;
  $("#signin-form").hidden = true;
  $("#pages-only").hidden = false;
  api<MenuItemAnswer[]>("GET", "/api/menu")
    .then((items) => {
      const list = clear($("#pages-only-list"));
      if (!items.length) list.appendChild(h("li", { class: "sub" }, "No plugin pages for you yet."));
      for (const item of items) list.appendChild(h("li", {}, pageLink(item.plugin, item)));
    })
    .catch((error: unknown) => toast(errorMessage(error), "error"));
}

function setSignInMessage(message: string): void {
  const el = $("#signin-message");
  el.textContent = message;
  el.hidden = !message;
}

function signOut(): void {
  api("DELETE", "/api/session")
    .catch(() => {
      // signed out already
    })
    .then(() => {
      location.hash = "";
      location.reload();
    });
}

function start(): void {
  if (state.booted) {
    route();
    return;
  }
  state.booted = true;
  route();
  connectStreams();
  setInterval(() => {
    if (state.view === "jobs" || state.view === "plugins") scheduleRefresh(false);
  }, 15000);
}

function boot(): void {
  try {
    localStorage.removeItem(LEGACY_TOKEN_KEY);
  } catch {
    // storage unavailable
  }
  listenForCapabilityRequests();
  listenForWidgetSizes();
  // The printed dashboard URL carries the token once, in the fragment (never sent to the server).
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match) history.replaceState(null, "", location.pathname + "#plugins");
  // Without a session the API may still answer (a dev server's anonymous user); else sign in.
  const session: Promise<unknown> = match?.[1]
    ? openSession(decodeURIComponent(match[1]))
    : api<SessionAnswer>("GET", "/api/session").then(
        (s) => void (state.csrf = s.csrf),
        (error: unknown) => {
          if (errorStatus(error) !== 401) throw error;
        },
      );
  $("#signin-form").addEventListener("submit", signIn);
  $("#sign-out").addEventListener("click", signOut);
  $("#pages-only-sign-out").addEventListener("click", signOut);
  window.addEventListener("hashchange", route);
  session
    .then(refreshAll)
    .then(start)
    .catch((error: unknown) => {
      const status = errorStatus(error);
      if (status === 403 && state.csrf) showPagesOnly();
      else if (status === 401 || status === 403) showSignIn(match || state.csrf ? errorMessage(error) : "");
      else toast("Cannot reach the host: " + errorMessage(error), "error");
    });
}

boot();
