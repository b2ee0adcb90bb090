import { cp, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CHROMIUM, chromiumAvailable } from "@goatkit/browser-testing";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_TOKEN, pluginsDir, startPlatform, type Platform } from "../platform/support/platform.js";

// An application page in headless Chromium: opened with #token= as gk start prints it, rendered
// from a template calling a real plugin; HTML the plugin declares cannot run script there.
const FIXTURE = new URL("../../../../fixtures/as-template-functions/", import.meta.url).pathname;
const available = chromiumAvailable("the pages browser test");

describe.skipIf(!available)("an application page in Chromium", () => {
  let platform: Platform;
  let plugins: Awaited<ReturnType<typeof pluginsDir>>;
  let browser: Browser;

  beforeAll(async () => {
    plugins = await pluginsDir();
    for (const part of ["manifest.json", "build", "templates", "i18n"]) await cp(join(FIXTURE, part), join(plugins.dir, "template-functions", part), { recursive: true });
    const pages = join(plugins.dir, "template-functions-pages");
    await mkdir(pages);
    await writeFile(
      join(pages, "report.html"),
      `<!doctype html><html><head><title>Report</title></head><body>{% use template_functions %}{% with call=describe_call("rendered", 3) %}<p id="call">{{ call.args.text }} for {{ call.login }}</p>{% endwith %}<div id="declared">{{ markup_html("bold") }}</div></body></html>`,
    );
    platform = await startPlatform({ managerOptions: { pluginsDir: plugins.dir }, templates: { folders: [pages], pages: { "/report": "report.html" } } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.close();
    await plugins?.remove();
  });

  it("signs in from #token=, renders the page, and blocks the script in declared HTML", async () => {
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(`${platform.url}/report#token=${AGENT_TOKEN}`);
    await page.waitForSelector("#call");
    expect(await page.textContent("#call")).toBe("rendered for agent.smith");
    // The token is gone from the address and from history: the page came through the session.
    expect(await page.evaluate(() => location.href)).toBe(`${platform.url}/report`);
    expect(await page.evaluate(() => history.length)).toBeLessThanOrEqual(2);
    await page.goBack();
    expect(page.url()).not.toContain(AGENT_TOKEN);
    expect(await page.evaluate(() => history.length)).toBeLessThanOrEqual(2);
    await page.goForward();
    await page.waitForSelector("#call");
    expect(page.url()).toBe(`${platform.url}/report`);
    expect(await page.title()).toBe("Report");
    expect(await page.innerHTML("#declared")).toBe("<b>bold</b><script>alert(1)</script>");
    await page.waitForTimeout(200);
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it("says how to sign in when the address has no token", async () => {
    const page = await browser.newPage();
    await page.goto(`${platform.url}/report`);
    expect(await page.textContent("#gk-loading")).toBe("Sign in first: open this page with #token=<your API token> at the end of its address, as printed by gk start (the token is exchanged for a session and leaves the address at once), or sign in to the dashboard.");
    await page.close();
  });
});
