import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, startPlatform, type Platform } from "../platform/support/platform.js";

// The analytics plugin (a gRPC process) in the dashboard, in headless Chromium: its card says
// which runtime and process serve it, and its admin widget shows the figures it computed.
const CHROMIUM = "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
const analytics = fileURLToPath(new URL("../../../../plugins/analytics/", import.meta.url));
if (!available) console.log(`skipping the gRPC dashboard browser test: ${CHROMIUM} is missing; install it with apt-get install -y chromium`);

describe.skipIf(!available)("a gRPC plugin in the dashboard (Chromium)", () => {
  let platform: Platform;
  let profile: string;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    platform = await startPlatform({ managerOptions: { pluginsDir: analytics } });
    profile = await mkdtemp(join(tmpdir(), "goatkit-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
    });
    page = context.pages()[0] ?? (await context.newPage());
  }, 60_000);
  afterAll(async () => {
    await context?.close();
    await platform?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it("shows the plugin's runtime and process, and its widget's real figures", async () => {
    await page.goto(`${platform.url}/`);
    await page.fill("#signin-token", ADMIN_TOKEN);
    await page.click("#signin-form button[type=submit]");
    await page.click('a[data-view="widgets"]');
    await page.click('.tabs button[data-location="admin_home"]');
    // Widgets render in sandboxed frames.
    const widget = page.frameLocator('.gk-widget[data-widget="analytics-summary"] iframe');
    await widget.locator(".stat-value").first().waitFor();
    const values = await widget.locator(".stat-value").allTextContents();
    const [{ n: open }] = (await platform.host.services.db.query("SELECT COUNT(*) AS n FROM tickets t JOIN ticket_states s ON s.id = t.state_id WHERE s.type_name <> 'closed'", [])) as [{ n: number }];
    expect(values[2]).toBe(String(open));

    await page.click('a[data-view="plugins"]');
    const card = page.locator('.plugin[data-plugin="analytics"]');
    await card.locator('.pill[data-status="loaded"]').waitFor();
    const { body } = await platform.json<{ pid: number }>("/api/v1/plugins/analytics");
    expect(await card.locator(".meta").first().textContent()).toContain(`Runtime: gRPC (pid ${body.pid})`);
  }, 60_000);
});
