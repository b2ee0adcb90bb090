import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { chromiumAvailable, openChromium, type OpenChromium, type Page } from "@goatkit/browser-testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, copyKitchenSink, manifest, pluginsDir, startPlatform, writePlugin, type Platform } from "./support/platform.js";
import { watPlugin } from "./support/wat-plugin.js";

// The dashboard in headless Chromium: sign in, widgets, try-it, enable/disable, jobs, logs.
// Screenshots land in packages/host/test-artifacts/ (gitignored) for people to look at.
const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url).pathname;
const available = chromiumAvailable("the dashboard browser test");

describe.skipIf(!available)("dashboard in Chromium", () => {
  let platform: Platform;
  let plugins: Awaited<ReturnType<typeof pluginsDir>>;
  let browser: OpenChromium;
  let page: Page;
  const pageErrors: string[] = [];
  const refused: string[] = [];

  beforeAll(async () => {
    plugins = await pluginsDir();
    await copyKitchenSink(plugins.dir);
    await writePlugin(
      plugins.dir,
      "ticket-stats",
      manifest("ticket-stats", {
        description: "Ticket counts and trends for the agent dashboard",
        permissions: ["db:read", "cache:read", "cache:write", "ticket_stats.view"],
        routes: [
          { method: "GET", path: "/summary", handler: "summary", middleware: ["auth"], description: "Counts by state" },
          { method: "POST", path: "/reports/:id", handler: "echo", middleware: ["auth", "admin"], description: "Runs a report" },
        ],
        widgets: [
          { id: "open-tickets", title: "Open tickets", handler: "w_open", location: "agent_home", size: "medium", refresh_seconds: 60 },
          { id: "sla", title: "SLA breaches", handler: "w_sla", location: "agent_home", size: "small" },
          { id: "hostile", title: "Hostile", handler: "w_hostile", location: "customer_home", size: "small" },
        ],
        jobs: [{ id: "nightly-rollup", schedule: "0 2 * * *", handler: "rollup", description: "Rolls up yesterday's counts", retries: 2 }],
        hooks: ["after_save"],
        menu_items: [{ label: "Ticket stats", path: "/admin/ticket-stats", icon: "chart-bar", location: "admin" }],
      }, "2.3.1"),
      watPlugin("ticket-stats", "2.3.1", {
        summary: { text: '{"open":42,"pending":7,"closed":318}' },
        echo: { echo: true },
        w_open: { text: '<div class="grid grid-cols-3 gap-4"><div class="stat"><div class="stat-title">Open</div><div class="stat-value">42</div></div><div class="stat"><div class="stat-title">Pending</div><div class="stat-value">7</div></div><div class="stat"><div class="stat-title">Closed today</div><div class="stat-value">18</div></div></div>' },
        w_sla: { text: '<div class="stat"><div class="stat-title">Breached this week</div><div class="stat-value">3</div></div>' },
        w_hostile: { text: '<p>markup only</p><img src="/no-such-image.png" onerror="window.__pwned = true"><script>window.__pwned = true</script><script src="/api/plugins/ticket-stats/static/pwn.js"></script>' },
        rollup: { text: '{"rolled_up":318}' },
        after_save: { text: "{}" },
      }),
    );
    // A script the plugin serves itself: the widget's frame must refuse it too.
    await mkdir(join(plugins.dir, "ticket-stats", "static"), { recursive: true });
    await writeFile(join(plugins.dir, "ticket-stats", "static", "pwn.js"), "window.__pwned = true;\n");
    await writePlugin(
      plugins.dir,
      "faq",
      manifest("faq", { description: "FAQ and knowledge base articles", permissions: ["db:read", "faq.edit"], routes: [{ method: "GET", path: "/articles", handler: "articles", description: "Published articles" }] }),
      watPlugin("faq", "1.0.0", { articles: { text: "[]" } }),
    );
    platform = await startPlatform({ hostOptions: { now: Date.now }, managerOptions: { pluginsDir: plugins.dir, isolation: "in-process" }, scheduler: { tickMs: 1000 } });
    // Some traffic, so the cards show metrics and the logs have lines.
    for (let i = 0; i < 12; i++) await platform.fetch("/api/plugins/ticket-stats/summary");
    await platform.fetch("/api/plugins/kitchen-sink/fail");
    await platform.fetch("/api/plugins/kitchen-sink/log", { method: "POST" });
    await platform.fetch("/api/v1/plugins/faq/disable", { method: "POST" });

    await mkdir(ARTIFACTS, { recursive: true });
    browser = await openChromium({ viewport: { width: 1440, height: 960 } });
    page = browser.page;
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("console", (message) => {
      // The browser logs every 4xx it sees (the sign-in probe, the try-it 401): those are expected.
      if (message.type() !== "error" || message.text().startsWith("Failed to load resource")) return;
      // Refusals of the page's CSP and of the widget frames' sandbox are what the tests expect.
      if (message.text().includes("Content Security Policy") || message.text().startsWith("Blocked script execution")) refused.push(message.text());
      else pageErrors.push(message.text());
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.close();
    await plugins?.remove();
  });

  it("signs in with a token", async () => {
    await page.goto(`${platform.url}/`);
    await page.locator("#signin:not([hidden])").waitFor();
    await page.fill("#signin-token", ADMIN_TOKEN);
    await page.click("#signin-form button[type=submit]");
    await page.locator('.plugin[data-plugin="kitchen-sink"]').waitFor();
    expect(await page.isHidden("#signin")).toBe(true);
    expect(await page.textContent("#who-name")).toBe("root · admin");
    await page.locator("#live.on").waitFor();
  });

  it("shows plugins with status, permissions and metrics", async () => {
    const stats = page.locator('.plugin[data-plugin="ticket-stats"]');
    expect(await stats.locator(".pill").textContent()).toBe("Loaded");
    expect(await stats.locator(".chip.cap").allTextContents()).toEqual(["db:read", "cache:read", "cache:write"]);
    const menuLink = stats.locator(".pages a");
    expect(await menuLink.textContent()).toBe("Ticket stats");
    expect(await menuLink.getAttribute("href")).toBe("/admin/ticket-stats");
    expect(await menuLink.getAttribute("rel")).toBe("noopener noreferrer");
    expect(await stats.locator(".metric").first().textContent()).toBe("Calls12");
    expect(await page.locator('.plugin[data-plugin="faq"] .pill').textContent()).toBe("Disabled");
    expect(await page.locator('.plugin[data-plugin="kitchen-sink"] .metric .v.bad').textContent()).toBe("1");
    await page.screenshot({ path: join(ARTIFACTS, "dashboard.png"), fullPage: true });
    await page.emulateMedia({ colorScheme: "dark" });
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-dark.png"), fullPage: true });
    await page.emulateMedia({ colorScheme: "light" });
  });

  it("renders widgets in their locations", async () => {
    await page.click('a[data-view="widgets"]');
    const widget = page.frameLocator('.gk-widget[data-widget="kitchen-sink"] iframe');
    await widget.locator("body").waitFor();
    expect(await widget.locator("body").textContent()).toBe("Hello, root!");
    expect(await page.frameLocator('.gk-widget[data-widget="open-tickets"] iframe').locator(".stat-value").allTextContents()).toEqual(["42", "7", "18"]);
    expect(await page.locator(".gk-widget").count()).toBe(3);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-widgets.png"), fullPage: true });
    // Widget HTML is the plugin's: the dashboard's policy, which its frame inherits, keeps its
    // scripts and inline handlers from running.
    await page.click('.tabs button[data-location="customer_home"]');
    await page.frameLocator('.gk-widget[data-widget="hostile"] iframe').locator("p").waitFor();
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: boolean }).__pwned)).toBeUndefined();
    const hostile = await (await page.$('.gk-widget[data-widget="hostile"] iframe'))!.contentFrame();
    expect(await hostile!.evaluate(() => (window as unknown as { __pwned?: boolean }).__pwned)).toBeUndefined();
    expect(refused.some((m) => m.includes("Content Security Policy"))).toBe(true);
    expect(refused.some((m) => m.includes("/static/pwn.js"))).toBe(true);
    expect((await platform.fetch("/api/plugins/ticket-stats/static/pwn.js")).status).toBe(200);
    await page.click('.tabs button[data-location="admin_home"]');
    await page.locator(".empty-state").waitFor();
    expect(await page.locator(".gk-widget").count()).toBe(0);
  });

  it("runs a route from the try-it form and shows status, headers and body", async () => {
    await page.click('a[data-view="routes"]');
    await page.click('.route[data-route="GET /api/plugins/kitchen-sink/echo/:id"]');
    await page.fill("#try-param-id", "42");
    await page.fill("#try-query", "page=2&q=printer");
    expect(await page.textContent("#try-url")).toBe("GET /api/plugins/kitchen-sink/echo/42?page=2&q=printer");
    await page.click("#try-send");
    await page.locator("#try-status").waitFor();
    expect(await page.textContent("#try-status")).toBe("200 OK");
    const body = JSON.parse((await page.textContent("#try-response-body"))!);
    expect(body).toMatchObject({ kind: "route", params: { id: "42" }, query: { page: "2", q: "printer" }, page: 2, user: { login: "root" } });

    await page.click('.route[data-route="POST /api/plugins/ticket-stats/reports/:id"]');
    await page.fill("#try-param-id", "weekly");
    await page.fill("#try-body", '{"range":"7d"}');
    await page.click("#try-send");
    await page.locator("#try-status").waitFor();
    expect(JSON.parse((await page.textContent("#try-response-body"))!)).toMatchObject({ method: "POST", params: { id: "weekly" }, body: '{"range":"7d"}' });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-routes.png"), fullPage: true });

    await page.uncheck("#try-auth");
    await page.click("#try-send");
    await page.locator("#try-status.warn").waitFor();
    expect(await page.textContent("#try-status")).toBe("401 Unauthorized");
  });

  it("toggles a plugin off and on", async () => {
    await page.click('a[data-view="plugins"]');
    const card = page.locator('.plugin[data-plugin="ticket-stats"]');
    await card.locator('[data-action="disable"]').click();
    await card.locator('.pill[data-status="disabled"]').waitFor();
    expect((await platform.fetch("/api/plugins/ticket-stats/summary")).status).toBe(503);
    await card.locator('[data-action="enable"]').click();
    await card.locator('.pill[data-status="discovered"]').waitFor();
    expect(await card.locator(".pill").textContent()).toBe("Not loaded");
    expect((await platform.fetch("/api/plugins/ticket-stats/summary")).status).toBe(200);
    await card.locator('.pill[data-status="loaded"]').waitFor();
  });

  it("runs a job now and shows its history", async () => {
    await page.click('a[data-view="jobs"]');
    await page.click('[data-action="run-job"][data-job="ticket-stats/nightly-rollup"]');
    const history = page.locator("tr.history table.runs tbody tr").first();
    await history.waitFor();
    expect(await history.locator(".pill").textContent()).toBe("Succeeded");
    expect(await history.locator("td.out").textContent()).toBe('{"rolled_up":318}');
    await page.locator('tr[data-job="ticket-stats/nightly-rollup"] .pill.succeeded').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-jobs.png"), fullPage: true });
  });

  it("shows logs live", async () => {
    await page.click('a[data-view="logs"]');
    await page.selectOption("#log-plugin", "kitchen-sink");
    const before = await page.locator(".log").count();
    await platform.fetch("/api/plugins/kitchen-sink/log", { method: "POST" });
    await page.waitForFunction((n) => document.querySelectorAll(".log").length >= n + 4, before);
    expect(await page.locator(".log .m").first().textContent()).toContain("kitchen-sink error");
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-logs.png"), fullPage: false });
    expect(pageErrors).toEqual([]);
  });

  it("fits each widget's frame to its content with the frame script the host serves", async () => {
    await page.click('a[data-view="widgets"]');
    await page.click('.tabs button[data-location="agent_home"]');
    // The frame inherits the page's script-src 'self': its sizing script is a file of the host.
    await page.waitForFunction(() => document.querySelector<HTMLIFrameElement>('.gk-widget[data-widget="open-tickets"] iframe')?.style.height.endsWith("px"));
    const height = await page.$eval('.gk-widget[data-widget="open-tickets"] iframe', (frame) => parseInt((frame as HTMLIFrameElement).style.height, 10));
    expect(height).toBeGreaterThan(0);
    expect(refused.filter((message) => message.includes("widget-size"))).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
