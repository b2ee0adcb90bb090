import { randomBytes } from "node:crypto";
import { Hono } from "hono";
import type { TemplateEngine } from "../templates/template-engine.js";
import { TemplateError } from "../templates/template-error.js";
import type { AppEnv } from "./auth.js";
import { jsonError } from "./http-error.js";
import { preferredLocale } from "./locale.js";
import { escapeHtml } from "./widget-frame.js";

/** Pages of the application rendered from its templates: URL path → template name. */
export type Pages = Readonly<Record<string, string>>;

// Rendered pages run no script: plugin HTML in them cannot either.
const PAGE_CSP = "default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * `GET <path>` renders the page's template for the signed-in user (bearer token or the
 * dashboard's session cookie). A browser without either gets a small loader instead, which
 * takes the token from `#token=` (a fragment never reaches server logs), removes it from the
 * address and history at once, exchanges it for the session cookie and loads the page again.
 */
export function pagesApi(engine: TemplateEngine, pages: Pages): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  for (const [path, template] of Object.entries(pages)) {
    app.get(path, async (c) => {
      const user = c.get("user");
      if (!user) {
        if (!(c.req.header("accept") ?? "").includes("text/html")) return jsonError(c, 401, `${path} needs a signed-in user; send Authorization: Bearer <token>`, "E_UNAUTHORIZED");
        const nonce = randomBytes(16).toString("base64");
        c.header("content-security-policy", `default-src 'self'; script-src 'nonce-${nonce}'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`);
        c.header("cache-control", "no-store");
        return c.html(loaderPage(nonce));
      }
      c.header("content-security-policy", PAGE_CSP);
      c.header("cache-control", "no-store");
      const query = Object.fromEntries(new URL(c.req.url).searchParams);
      try {
        const locale = preferredLocale(c.req.header("accept-language"));
        const html = await engine.render(template, { user, path, query, locale }, { locale, user });
        return c.html(html);
      } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
        engine.manager.logs.write("@templates", "error", error.message, { code: error.code, page: path });
        return c.html(`<!doctype html><title>Template error</title><h1>This page cannot be rendered</h1><pre>${escapeHtml(error.message)}</pre>`, error.status as 500);
      }
    });
  }
  return app;
}

function loaderPage(nonce: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>GoatKit</title></head>
<body><p id="gk-loading">Loading…</p>
<script nonce="${nonce}">
const token = new URLSearchParams(location.hash.slice(1)).get("token");
const here = location.pathname + location.search;
// Before anything else, the token leaves the address bar and this history entry.
if (token) history.replaceState(null, "", here);
const say = (text) => { document.getElementById("gk-loading").textContent = text; };
if (!token) {
  say("Sign in first: open this page with #token=<your API token> at the end of its address, as printed by gk start (the token is exchanged for a session and leaves the address at once), or sign in to the dashboard.");
} else {
  // Exchanged once for the dashboard's session cookie (HttpOnly), then the page loads with it.
  fetch("/api/session", { method: "POST", credentials: "same-origin", headers: { authorization: "Bearer " + token } })
    .then((res) => res.ok ? location.replace(here) : res.json().then((body) => say(body.error || "signing in failed: HTTP " + res.status)))
    .catch((error) => say("Cannot reach the host: " + error.message));
}
</script></body></html>`;
}
