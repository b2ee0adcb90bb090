import { mkdir, writeFile } from "node:fs/promises";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { chromiumAvailable, openChromium, type BrowserContext, type OpenChromium, type Page } from "@goatkit/browser-testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, manifest, pluginsDir, startPlatform, writePlugin, type Platform } from "./support/platform.js";
import { watPlugin } from "./support/wat-plugin.js";

// Hostile plugin content against the dashboard, in headless Chromium: a plugin's own pages
// (route, static .html and .svg, ?bare=1 widget) must not reach the admin's credentials, and
// widget HTML must not restyle, cover or post forms from the admin page.
const available = chromiumAvailable("the plugin confinement browser test");

/**
 * What a hostile page tries, written into its own DOM for the test to read: the storage and
 * cookies of the host's origin, the admin API with the browser's credentials, a state change.
 */
const PROBE = `
(async () => {
  const out = {};
  const attempt = async (name, f) => { try { out[name] = await f(); } catch (e) { out[name] = "blocked: " + e.name; } };
  await attempt("localStorage", () => JSON.stringify(Object.entries(localStorage)));
  await attempt("cookie", () => document.cookie);
  await attempt("plugins", async () => { const r = await fetch("/api/v1/plugins", { credentials: "include" }); return r.status + " " + (await r.text()).slice(0, 200); });
  await attempt("me", async () => { const r = await fetch("/api/me", { credentials: "include" }); return r.status + " " + (await r.text()).slice(0, 200); });
  await attempt("disable", async () => { const r = await fetch("/api/v1/plugins/victim/disable", { method: "POST", credentials: "include" }); return String(r.status); });
  const pre = document.createElementNS("http://www.w3.org/1999/xhtml", "pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  (document.body || document.documentElement).appendChild(pre);
})();`;

const HOSTILE_PAGE = `<!doctype html><html><head><title>Reports</title></head><body><h1>Reports</h1><script>${PROBE}</script></body></html>`;
const HOSTILE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script><![CDATA[${PROBE}]]></script></svg>`;

/**
 * A hostile page opened from the dashboard: it asks for the capability the dashboard hands a
 * plugin page, then tries it on its own route, the admin API, another plugin and the session
 * exchange.
 */
const CAPABILITY_PROBE = `
(async () => {
  const out = {};
  const page = /gk-page=([0-9a-f]+)/.exec(location.hash);
  const capability = await new Promise((resolve) => {
    addEventListener("message", (e) => { if (e.data && e.data.type === "goatkit:capability") resolve(e.data); });
    opener.postMessage({ type: "goatkit:capability-request", page: page && page[1] }, "*");
  });
  out.capability = JSON.stringify(capability);
  const attempt = async (name, path, init) => {
    try { const r = await fetch(path, { ...init, headers: { authorization: "Bearer " + capability.token } }); out[name] = String(r.status); } catch (e) { out[name] = "blocked: " + e.name; }
  };
  await attempt("own", "/api/plugins/evil/capable");
  await attempt("plugins", "/api/v1/plugins");
  await attempt("disable", "/api/v1/plugins/victim/disable", { method: "POST" });
  await attempt("victim", "/api/plugins/victim/ok");
  await attempt("session", "/api/session", { method: "POST" });
  const pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();`;

/** A widget that tries to restyle the dashboard and cover it. */
const COVER_WIDGET = [
  "<style>body { background: rgb(255, 0, 0) !important; } .sidebar { display: none !important; }</style>",
  '<div id="cover" style="position: fixed; inset: 0; z-index: 2147483647; background: rgb(0, 0, 255)">Session expired</div>',
].join("");
/** A widget that makes admin API requests with whatever the browser adds to them. */
const SPY_WIDGET = '<p id="spy">Stats</p><img alt="" src="/api/v1/plugins?from=widget-img"><link rel="stylesheet" href="/api/me?from=widget-link"><script>fetch("/api/v1/plugins/victim/disable?from=widget-script", { method: "POST" })</script>';
/** A widget that phishes with a form posting to its own route. */
const PHISH_WIDGET = '<form id="phish" method="post" action="/api/plugins/evil/collect"><p>Your session expired.</p><input name="token" value="typed-token"><button id="phish-send" type="submit">Sign in again</button></form>';

describe.skipIf(!available)("plugin content is confined away from the dashboard", () => {
  let platform: Platform;
  let plugins: Awaited<ReturnType<typeof pluginsDir>>;
  let browser: OpenChromium;
  let context: BrowserContext;
  let dashboard: Page;
  const collected: string[] = [];
  const refreshed: string[] = [];

  beforeAll(async () => {
    plugins = await pluginsDir();
    const evil = await writePlugin(
      plugins.dir,
      "evil",
      manifest("evil", {
        routes: [
          { method: "GET", path: "/page", handler: "page" },
          { method: "POST", path: "/collect", handler: "collect" },
          { method: "GET", path: "/capable", handler: "capable" },
        ],
        menu_items: [{ label: "Reports", path: "/api/plugins/evil/capable", location: "admin" }],
        widgets: [
          { id: "cover", title: "Cover", handler: "w_cover", location: "agent_home", size: "small" },
          { id: "phish", title: "Phish", handler: "w_phish", location: "agent_home", size: "small" },
          { id: "ticker", title: "Ticker", handler: "w_ticker", location: "agent_home", size: "small", refresh_seconds: 1 },
          { id: "probe", title: "Probe", handler: "w_probe", location: "customer_home", size: "small" },
          { id: "spy", title: "Spy", handler: "w_spy", location: "agent_home", size: "small" },
        ],
      }),
      watPlugin("evil", "1.0.0", {
        page: { text: JSON.stringify({ gk_response: { status: 200, headers: { "content-type": "text/html; charset=utf-8" }, body: HOSTILE_PAGE } }) },
        collect: { echo: true },
        capable: { text: JSON.stringify({ gk_response: { status: 200, headers: { "content-type": "text/html; charset=utf-8" }, body: `<!doctype html><html><body><h1>Reports</h1><script>${CAPABILITY_PROBE}</script></body></html>` } }) },
        w_cover: { text: COVER_WIDGET },
        w_phish: { text: PHISH_WIDGET },
        w_ticker: { text: '<p class="stat-value">7</p>' },
        w_probe: { text: HOSTILE_PAGE },
        w_spy: { text: SPY_WIDGET },
      }),
    );
    await mkdir(join(evil, "static"), { recursive: true });
    await writeFile(join(evil, "static", "page.html"), HOSTILE_PAGE);
    await writeFile(join(evil, "static", "logo.svg"), HOSTILE_SVG);
    await writePlugin(plugins.dir, "victim", manifest("victim", { routes: [{ method: "GET", path: "/ok", handler: "ok" }] }), watPlugin("victim", "1.0.0", { ok: { text: "{}" } }));
    platform = await startPlatform({ hostOptions: { now: Date.now }, managerOptions: { pluginsDir: plugins.dir, isolation: "in-process" } });

    browser = await openChromium({ viewport: { width: 1280, height: 900 } });
    context = browser.context;
    context.on("request", (request) => {
      if (request.url().includes("/api/plugins/evil/collect")) collected.push(request.url());
      if (request.url().endsWith("/api/plugins/evil/widgets/ticker")) refreshed.push(request.url());
    });
    dashboard = browser.page;
    // The admin opens the URL gk start prints, as a person would.
    await dashboard.goto(`${platform.url}/#token=${ADMIN_TOKEN}`);
    await dashboard.locator('.plugin[data-plugin="victim"]').waitFor();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.close();
    await plugins?.remove();
  });

  async function probe(path: string): Promise<Record<string, string>> {
    const page = await context.newPage();
    try {
      await page.goto(`${platform.url}${path}`);
      const text = await page.locator("#probe").textContent({ timeout: 10_000 });
      return JSON.parse(text!) as Record<string, string>;
    } finally {
      await page.close();
    }
  }

  it("keeps the admin token out of storage the dashboard's page scripts can read", async () => {
    const stored = await dashboard.evaluate(() => ({ local: JSON.stringify(Object.entries(localStorage)), session: JSON.stringify(Object.entries(sessionStorage)), cookie: document.cookie }));
    expect(stored.local).not.toContain(ADMIN_TOKEN);
    expect(stored.session).not.toContain(ADMIN_TOKEN);
    expect(stored.cookie).toBe("");
    expect(dashboard.url()).not.toContain(ADMIN_TOKEN);
  });

  it.each([
    ["a plugin route's HTML page", "/api/plugins/evil/page"],
    ["a static .html file", "/api/plugins/evil/static/page.html"],
    ["a static .svg file", "/api/plugins/evil/static/logo.svg"],
    ["a ?bare=1 widget", "/api/plugins/evil/widgets/probe?bare=1"],
  ])("%s cannot read the token or act as the admin", async (_what, path) => {
    const seen = await probe(path);
    const all = JSON.stringify(seen);
    expect(all).not.toContain(ADMIN_TOKEN);
    expect(all).not.toContain("goatkit_session");
    expect(seen.localStorage).toBe("blocked: SecurityError");
    expect(seen.cookie).toBe("blocked: SecurityError");
    expect(seen.plugins).toBe("blocked: TypeError");
    expect(seen.me).toBe("blocked: TypeError");
    const victim = await platform.json<{ enabled: boolean }>("/api/v1/plugins/victim");
    expect(victim.body.enabled).toBe(true);
  });

  it("a page opened from the dashboard gets a capability for its own plugin's routes, never the admin token", async () => {
    // Nothing on the dashboard asks a person to give a plugin page a token.
    expect(await dashboard.textContent("body")).not.toMatch(/API token|sign in there/i);
    const link = dashboard.locator('.plugin[data-plugin="evil"] .pages a[data-page="evil"]');
    const [page] = await Promise.all([context.waitForEvent("page"), link.click()]);
    const sent: string[] = [];
    page.on("request", (request) => {
      const authorization = request.headers()["authorization"];
      if (authorization) sent.push(authorization);
    });
    try {
      const seen = JSON.parse((await page.locator("#probe").textContent({ timeout: 10_000 }))!) as Record<string, string>;
      expect(JSON.stringify(seen)).not.toContain(ADMIN_TOKEN);
      const capability = JSON.parse(seen.capability!) as { token: string; plugin: string; scope: string; expiresInSeconds: number };
      expect(capability).toMatchObject({ plugin: "evil", scope: "/api/plugins/evil/", expiresInSeconds: 900 });
      expect(seen.own).toBe("200");
      // Without CORS for it the browser does not even send the admin API request; the rest get
      // no readable answer.
      expect(seen.plugins).toBe("blocked: TypeError");
      expect(seen.disable).toBe("blocked: TypeError");
      expect(seen.victim).toBe("blocked: TypeError");
      expect(seen.session).toBe("blocked: TypeError");
      // The token the page held, used from anywhere, opens nothing but the evil plugin's routes.
      expect(sent.every((a) => a === `Bearer ${capability.token}`)).toBe(true);
      for (const [method, path] of [["GET", "/api/v1/plugins"], ["POST", "/api/v1/plugins/victim/disable"], ["GET", "/api/plugins/victim/ok"], ["POST", "/api/session"], ["GET", "/api/me"]] as const) {
        const res = await platform.fetch(path, { method, token: capability.token });
        expect([path, res.status]).toEqual([path, 403]);
      }
      expect((await platform.json<{ enabled: boolean }>("/api/v1/plugins/victim")).body.enabled).toBe(true);
    } finally {
      await page.close();
    }
  });

  it("a widget cannot restyle or cover the dashboard, nor post a form", async () => {
    await dashboard.click('a[data-view="widgets"]');
    const cover = dashboard.frameLocator('.gk-widget[data-widget="cover"] iframe');
    await cover.locator("#cover").waitFor({ state: "attached" });
    // The dashboard keeps its own look: the widget's <style> stays in its frame.
    expect(await dashboard.evaluate(() => getComputedStyle(document.body).backgroundColor)).not.toBe("rgb(255, 0, 0)");
    expect(await dashboard.isVisible(".sidebar")).toBe(true);
    // The fixed-position cover stays inside the widget's frame: the page is still the page.
    expect(await dashboard.evaluate(() => document.getElementById("cover"))).toBeNull();
    const hit = await dashboard.evaluate(() => {
      const el = document.elementFromPoint(120, 200);
      return el ? (el.closest(".sidebar") ? "sidebar" : el.tagName) : null;
    });
    expect(hit).toBe("sidebar");
    // The fake form does not post.
    const phish = dashboard.frameLocator('.gk-widget[data-widget="phish"] iframe');
    await phish.locator("#phish-send").click();
    await dashboard.waitForTimeout(500);
    expect(collected).toEqual([]);
    expect(await phish.locator("#phish-send").isVisible()).toBe(true);
    // A widget with refresh_seconds is rendered again into its frame.
    await expect.poll(() => refreshed.length, { timeout: 5000 }).toBeGreaterThan(0);
    await dashboard.waitForTimeout(300);
    expect(await dashboard.frameLocator('.gk-widget[data-widget="ticker"] iframe').locator(".stat-value").textContent()).toBe("7");
    // Each frame is sized to its content, within its card.
    const box = await dashboard.locator('.gk-widget[data-widget="phish"] iframe').boundingBox();
    expect(box!.height).toBeGreaterThan(40);
    expect(box!.height).toBeLessThan(300);
  });

  it("a widget has no ambient authority: its requests reach the host without the session", async () => {
    // Widget frames run out of the page's process, where the browser's request events do not
    // reach the test: a proxy in front of the host records what arrives and what it answers.
    const arrived: Array<{ url: string; status: number; cookie: boolean }> = [];
    const proxy = await recordingProxy(platform.url, arrived);
    const page = await context.newPage();
    try {
      // The session cookie is the host name's, whatever the port: the dashboard is signed in.
      await page.goto(`${proxy.url}/#widgets`);
      const spy = page.frameLocator('.gk-widget[data-widget="spy"] iframe');
      // The widget still renders, sized to its content.
      await spy.locator("#spy").waitFor();
      expect(await spy.locator("#spy").textContent()).toBe("Stats");
      await expect.poll(async () => (await page.locator('.gk-widget[data-widget="spy"] iframe').boundingBox())!.height, { timeout: 5000 }).toBeLessThan(100);
      // The frame is not the dashboard's origin.
      expect(await page.evaluate(() => (document.querySelector('.gk-widget[data-widget="spy"] iframe') as HTMLIFrameElement).contentDocument)).toBeNull();
      const fromWidget = () => arrived.filter((r) => r.url.includes("from=widget"));
      await expect.poll(() => fromWidget().length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
      await page.waitForTimeout(300);
      // They arrived without the cookie and were refused; the widget's script never ran.
      expect(fromWidget().map((r) => [r.url.split("?")[1], r.status, r.cookie]).sort()).toEqual([
        ["from=widget-img", 401, false],
        ["from=widget-link", 401, false],
      ]);
      // The dashboard's own requests through the same proxy do carry it.
      expect(arrived.find((r) => r.url === "/api/v1/plugins")).toMatchObject({ status: 200, cookie: true });
      expect((await platform.json<{ enabled: boolean }>("/api/v1/plugins/victim")).body.enabled).toBe(true);
    } finally {
      await page.close();
      await proxy.close();
    }
  });

  it("the session cookie signs in no request another site starts", async () => {
    const opened = await platform.fetch("/api/session", { method: "POST" });
    const cookie = opened.headers.get("set-cookie")!.split(";")[0]!;
    expect((await platform.fetch("/api/me", { token: null, headers: { cookie, "sec-fetch-site": "same-origin" } })).status).toBe(200);
    for (const site of ["cross-site", "same-site"]) {
      expect((await platform.fetch("/api/me", { token: null, headers: { cookie, "sec-fetch-site": site } })).status).toBe(401);
    }
  });

  it("stays signed in across a reload through the session cookie, and signs out", async () => {
    await dashboard.goto(`${platform.url}/`);
    await dashboard.locator('.plugin[data-plugin="victim"]').waitFor();
    expect(await dashboard.isHidden("#signin")).toBe(true);
    const cookies = await context.cookies(platform.url);
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).toEqual([["goatkit_session", true, "Strict"]]);
    await dashboard.click("#sign-out");
    await dashboard.locator("#signin:not([hidden])").waitFor();
    expect(await context.cookies(platform.url)).toEqual([]);
  });
});

/** A reverse proxy to `target` that records each request's path, whether it had a cookie, and the answer's status. */
async function recordingProxy(target: string, arrived: Array<{ url: string; status: number; cookie: boolean }>): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const upstream = httpRequest(`${target}${req.url}`, { method: req.method, headers: { ...req.headers, host: new URL(target).host } }, (answer) => {
      arrived.push({ url: req.url!, status: answer.statusCode!, cookie: req.headers.cookie !== undefined });
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
