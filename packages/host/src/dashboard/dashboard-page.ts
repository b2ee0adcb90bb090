import type { DashboardAssets } from "./dashboard-assets.js";

export interface DashboardPageOptions {
  /** The built script and styles the page loads (dashboardAssets()). */
  assets: DashboardAssets;
  title?: string;
  /** Show the demo help desk view (the server serves `/api/demo`). */
  demoDesk?: boolean;
}

const DESK_NAV: [view: string, label: string, iconPath: string] = ["tickets", "Help desk", "M4 5h16v4a2 2 0 0 0 0 4v4H4v-4a2 2 0 0 0 0-4zM14 5v12"];

const NAV: Array<[view: string, label: string, iconPath: string]> = [
  ["plugins", "Plugins", "M9 3h6v3a2 2 0 1 0 4 0V3h2v6h-3a2 2 0 1 0 0 4h3v8h-6v-3a2 2 0 1 0-4 0v3H3v-8h3a2 2 0 1 0 0-4H3V3h6z"],
  ["widgets", "Widgets", "M4 4h7v7H4zM13 4h7v4h-7zM13 10h7v10h-7zM4 13h7v7H4z"],
  ["routes", "Routes", "M4 7h11M11 3l4 4-4 4M20 17H9M13 13l-4 4 4 4"],
  ["jobs", "Jobs", "M12 7v5l3 2M21 12a9 9 0 1 1-18 0 9 9 0 0 1 18 0z"],
  ["logs", "Logs", "M8 6h12M8 12h12M8 18h12M4 6h.01M4 12h.01M4 18h.01"],
];

/**
 * The admin dashboard's page (seed 004's "Admin UI"): the host's HTML, with the script and
 * styles of packages/dashboard served from this host (`/dashboard/assets/`), nothing fetched
 * from elsewhere and no inline script. It signs in with an admin bearer token (typed in, or
 * given once as `/#token=...`), exchanged for an HttpOnly session cookie, and does everything
 * through the admin API. Plugin pages it opens get a capability for their plugin, never the token.
 * Settings the script needs travel in data- attributes of the body.
 */
export function dashboardPage(options: DashboardPageOptions): string {
  const title = escapeText(options.title ?? "GoatKit Host");
  const nav = [...NAV, ...(options.demoDesk ? [DESK_NAV] : [])].map(
    ([view, label, path]) =>
      `<a href="#${view}" data-view="${view}"><svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="${path}"/></svg>${label}<span class="count" data-count="${view}" hidden></span></a>`,
  ).join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${title}</title>
${options.assets.styles.map((href) => `<link rel="stylesheet" href="${escapeText(href)}">`).join("\n")}
<script type="module" src="${escapeText(options.assets.script)}"></script>
</head>
<body data-widget-script="${escapeText(options.assets.widgetScript)}"${options.demoDesk ? " data-demo-desk" : ""}>
<div class="app">
  <aside class="sidebar">
    <div class="brand">
      <svg width="32" height="32" viewBox="0 0 32 32" aria-hidden="true">
        <defs><linearGradient id="gk" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#818cf8"/><stop offset="1" stop-color="#22d3ee"/></linearGradient></defs>
        <rect width="32" height="32" rx="8" fill="url(#gk)"/>
        <path d="M9 11c2-3 4-4 7-4s5 1 7 4M11 12l-2 9 7 4 7-4-2-9M13.5 16h.01M18.5 16h.01" fill="none" stroke="#0f1729" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/>
      </svg>
      <div><strong>GoatKit</strong><span>Plugin host</span></div>
    </div>
    <nav class="nav" aria-label="Sections">${nav}</nav>
    <div class="sidebar-foot">
      <div class="live" id="live"><span class="dot"></span><span id="live-text">Connecting…</span></div>
      <div class="who"><span id="who-name"></span><button id="sign-out" type="button">Sign out</button></div>
    </div>
  </aside>
  <main>
    <header class="topbar">
      <div><h1 id="view-title">Plugins</h1><p id="view-subtitle"></p></div>
      <div class="actions" id="view-actions"></div>
    </header>
    <section id="view" aria-live="polite"></section>
  </main>
</div>
<div class="signin" id="signin" hidden>
  <form class="card" id="signin-form">
    <h2>Sign in to the host</h2>
    <p>Paste an administrator's bearer token from the server's configuration. It is exchanged for a session cookie that page scripts cannot read.</p>
    <div class="field"><label for="signin-token">Token</label><input id="signin-token" type="password" autocomplete="off" spellcheck="false"></div>
    <p id="signin-message" class="alert" hidden></p>
    <button class="btn primary" type="submit">Sign in</button>
  </form>
  <div class="card" id="pages-only" hidden>
    <h2>Your pages</h2>
    <p>The dashboard is for administrators. These plugin pages open in tabs of their own, each signed in for its plugin only.</p>
    <ul id="pages-only-list"></ul>
    <button class="btn" type="button" id="pages-only-sign-out">Sign out</button>
  </div>
</div>
<div class="toasts" id="toasts"></div>
</body>
</html>`;
}

function escapeText(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
