import { fileURLToPath } from "node:url";
import { chromiumAvailable, openChromium, type OpenChromium, type Page } from "@goatkit/browser-testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, startPlatform, type Platform } from "../platform/support/platform.js";

// The analytics plugin (a gRPC process) in the dashboard, in headless Chromium: its card says
// which runtime and process serve it, and its admin widget shows the figures it computed.
const available = chromiumAvailable("the gRPC dashboard browser test");
const analytics = fileURLToPath(new URL("../../../../plugins/analytics/", import.meta.url));

describe.skipIf(!available)("a gRPC plugin in the dashboard (Chromium)", () => {
  let platform: Platform;
  let browser: OpenChromium;
  let page: Page;

  beforeAll(async () => {
    platform = await startPlatform({ managerOptions: { pluginsDir: analytics } });
    browser = await openChromium();
    page = browser.page;
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await platform?.close();
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
