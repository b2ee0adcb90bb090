import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, manifest, pluginsDir, startPlatform, writePlugin, type Platform } from "./support/platform.js";
import { watPlugin } from "./support/wat-plugin.js";

// Hostile plugin content against the dashboard, in headless Chromium: a plugin's own pages
// (route, static .html and .svg, ?bare=1 widget) must not reach the admin's credentials, and
// widget HTML must not restyle, cover or post forms from the admin page.
const CHROMIUM = "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
if (!available) console.log(`skipping the plugin confinement browser test: ${CHROMIUM} is missing; install it with apt-get install -y chromium`);

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

/** A widget that tries to restyle the dashboard and cover it. */
const COVER_WIDGET = [
  "<style>body { background: rgb(255, 0, 0) !important; } .sidebar { display: none !important; }</style>",
  '<div id="cover" style="position: fixed; inset: 0; z-index: 2147483647; background: rgb(0, 0, 255)">Session expired</div>',
].join("");
/** A widget that phishes with a form posting to its own route. */
const PHISH_WIDGET = '<form id="phish" method="post" action="/api/plugins/evil/collect"><p>Your session expired.</p><input name="token" value="typed-token"><button id="phish-send" type="submit">Sign in again</button></form>';

describe.skipIf(!available)("plugin content is confined away from the dashboard", () => {
  let platform: Platform;
  let plugins: Awaited<ReturnType<typeof pluginsDir>>;
  let profile: string;
  let context: BrowserContext;
  let dashboard: Page;
  const collected: string[] = [];

  beforeAll(async () => {
    plugins = await pluginsDir();
    const evil = await writePlugin(
      plugins.dir,
      "evil",
      manifest("evil", {
        routes: [
          { method: "GET", path: "/page", handler: "page" },
          { method: "POST", path: "/collect", handler: "collect" },
        ],
        widgets: [
          { id: "cover", title: "Cover", handler: "w_cover", location: "agent_home", size: "small" },
          { id: "phish", title: "Phish", handler: "w_phish", location: "agent_home", size: "small" },
          { id: "probe", title: "Probe", handler: "w_probe", location: "customer_home", size: "small" },
        ],
      }),
      watPlugin("evil", "1.0.0", {
        page: { text: JSON.stringify({ gk_response: { status: 200, headers: { "content-type": "text/html; charset=utf-8" }, body: HOSTILE_PAGE } }) },
        collect: { echo: true },
        w_cover: { text: COVER_WIDGET },
        w_phish: { text: PHISH_WIDGET },
        w_probe: { text: HOSTILE_PAGE },
      }),
    );
    await mkdir(join(evil, "static"), { recursive: true });
    await writeFile(join(evil, "static", "page.html"), HOSTILE_PAGE);
    await writeFile(join(evil, "static", "logo.svg"), HOSTILE_SVG);
    await writePlugin(plugins.dir, "victim", manifest("victim", { routes: [{ method: "GET", path: "/ok", handler: "ok" }] }), watPlugin("victim", "1.0.0", { ok: { text: "{}" } }));
    platform = await startPlatform({ hostOptions: { now: Date.now }, managerOptions: { pluginsDir: plugins.dir, isolation: "in-process" } });

    profile = await mkdtemp(join(tmpdir(), "goatkit-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
      viewport: { width: 1280, height: 900 },
    });
    context.on("request", (request) => {
      if (request.url().includes("/api/plugins/evil/collect")) collected.push(request.url());
    });
    dashboard = context.pages()[0] ?? (await context.newPage());
    // The admin opens the URL gk start prints, as a person would.
    await dashboard.goto(`${platform.url}/#token=${ADMIN_TOKEN}`);
    await dashboard.locator('.plugin[data-plugin="victim"]').waitFor();
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await platform?.close();
    await plugins?.remove();
    if (profile) await rm(profile, { recursive: true, force: true });
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
    // Each frame is sized to its content, within its card.
    const box = await dashboard.locator('.gk-widget[data-widget="phish"] iframe').boundingBox();
    expect(box!.height).toBeGreaterThan(40);
    expect(box!.height).toBeLessThan(300);
  });
});
