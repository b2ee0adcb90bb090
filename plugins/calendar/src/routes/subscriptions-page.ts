/**
 * The subscriptions page: where an agent makes, rotates and revokes the secret feed URLs of the
 * calendars they see, and copies a new URL into a calendar app. A plain HTML shell; its script
 * and styles are files of the plugin's `static/` folder, never inline, so the page runs under a
 * Content-Security-Policy of `script-src 'self'`. The host serves plugin documents in an opaque
 * origin (docs/http.md), so the script signs in with the capability the dashboard that opened it
 * hands over (this plugin's routes only) and calls the plugin's routes as an API client.
 */
import { Response, type Handler } from "@goatkit/sdk/guest";

const STATIC = "/api/plugins/calendar/static";

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Calendar subscriptions · GoatKit</title>
<link rel="stylesheet" href="${STATIC}/subscriptions.css">
<script src="${STATIC}/subscriptions.js" defer></script>
</head>
<body>
<header><h1>Calendar subscriptions</h1><span id="status" role="status"></span></header>
<main>
  <p class="hint">A subscription URL lets a calendar app (Google Calendar, Outlook, Apple Calendar) show a calendar without signing in. Each URL is yours alone and is shown once: the calendar keeps only its hash. Rotate it to make a new one (the old one stops working at once), or revoke it.</p>
  <div id="new-url" hidden>
    <p><strong>New subscription URL for <span id="new-url-calendar"></span></strong>: copy it into your calendar app now; it is not shown again.</p>
    <div class="copy"><input id="new-url-value" readonly aria-label="Subscription URL"><button type="button" id="copy">Copy</button><button type="button" id="dismiss">Done</button></div>
  </div>
  <table>
    <thead><tr><th>Calendar</th><th>Time zone</th><th>Your URL</th><th>Last fetched</th><th></th></tr></thead>
    <tbody id="calendars"><tr><td colspan="5" class="hint">Loading…</td></tr></tbody>
  </table>
</main>
<div id="signin" hidden><div role="alert"><p id="signin-message"></p></div></div>
</body>
</html>
`;

export const subscriptionsPage = {
  subscriptions_page() {
    return new Response(200).header("cache-control", "no-store").header("content-security-policy", CSP).text(PAGE, "text/html; charset=utf-8");
  },
} satisfies Record<string, Handler>;
