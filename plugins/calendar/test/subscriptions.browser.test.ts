import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { createHost, startServer, type Host, type RunningServer } from "@goatkit/host";
import { chromiumAvailable, collectPageErrors, openChromium, type OpenChromium, type Page } from "@goatkit/browser-testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO, emma, pluginDir } from "./support/calendar-host.js";

// The subscriptions page in headless Chromium, on a real server: an agent makes a URL, a
// calendar app (a plain fetch, no header) reads the feed with it, the agent rotates it (the old
// URL stops, the new one works) and revokes it. The host serves the page in an opaque origin
// (docs/http.md): the agent signs in to the dashboard, which lists the pages the menu shows
// them and hands the page it opens a capability for the calendar plugin's routes.
// Screenshots land in plugins/calendar/test-artifacts/ (gitignored).
const ARTIFACTS = new URL("../test-artifacts/", import.meta.url).pathname;
const TOKEN = "emma-subscriptions-token";
const available = chromiumAvailable("the calendar subscriptions browser test");

describe.skipIf(!available)("the calendar subscriptions page in Chromium", () => {
  let host: Host;
  let server: RunningServer;
  let browser: OpenChromium;
  let page: Page;
  const pageErrors: string[] = [];
  const signedInWith: string[] = [];
  const dialogs: string[] = [];

  const newUrl = async () => {
    await page.locator("#new-url:not([hidden])").waitFor();
    return page.inputValue("#new-url-value");
  };
  const feedState = () => page.locator('tr[data-calendar] .feed-state').textContent();

  beforeAll(async () => {
    host = await createHost({ database: { demo: DEMO } });
    await host.load(pluginDir);
    server = await startServer({ host, port: 0, scheduler: false, tokens: { [TOKEN]: emma } });
    const created = await fetch(`${server.url}/api/plugins/calendar/calendars`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Emma's calendar", timezone: "Europe/Berlin" }),
    });
    expect(created.status).toBe(201);
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await openChromium({ viewport: { width: 1100, height: 700 } });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await host?.close();
  });

  it("opens from the dashboard's page list and lists the agent's calendar with no URL yet", async () => {
    const dashboard = browser.page;
    await dashboard.goto(`${server.url}/#token=${TOKEN}`);
    // Emma is an agent: the dashboard shows her the plugin pages of her menu, nothing else.
    const link = dashboard.locator('#pages-only a[data-page="calendar"]');
    expect(await link.textContent()).toBe("Calendar subscriptions");
    const [popup] = await Promise.all([browser.context.waitForEvent("page"), link.click()]);
    page = popup;
    // A Content-Security-Policy refusal is one too: the page must run under its strict policy.
    collectPageErrors(page, pageErrors);
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.accept();
    });
    page.on("request", (request) => {
      const authorization = request.headers()["authorization"];
      if (authorization) signedInWith.push(authorization);
    });
    await page.locator('tr[data-calendar] button[data-action="make"]').waitFor();
    expect(signedInWith.length).toBeGreaterThan(0);
    expect(signedInWith.every((a) => /^Bearer gkcap_/.test(a))).toBe(true);
    expect(await page.locator("tr[data-calendar] td").first().textContent()).toBe("Emma's calendar");
    expect(await feedState()).toBe("none");
    expect(page.url()).not.toContain(TOKEN);
    const res = await fetch(`${server.url}/api/plugins/calendar/subscriptions`);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(await res.text()).not.toMatch(/<script>|<style>| on[a-z]+=/);
  });

  let first = "";
  it("makes a URL that a calendar app reads without signing in", async () => {
    await page.click('button[data-action="make"]');
    first = await newUrl();
    expect(first).toMatch(new RegExp(`^${server.url}/api/plugins/calendar/feeds/[A-Za-z0-9_-]{43}\\.ics$`));
    await page.locator('button[data-action="rotate"]').waitFor();
    expect(await feedState()).toMatch(/^active since /);
    await page.screenshot({ path: join(ARTIFACTS, "subscriptions-new-url.png") });
    const feed = await fetch(first);
    expect(feed.status).toBe(200);
    expect(feed.headers.get("content-type")).toContain("text/calendar");
    expect(await feed.text()).toContain("X-WR-CALNAME:Emma's calendar");
  });

  it("rotates it after asking: the old URL answers 404, the new one the feed", async () => {
    await page.click("#dismiss");
    await page.click('button[data-action="rotate"]');
    const second = await newUrl();
    expect(dialogs.at(-1)).toContain("Rotate the URL of Emma's calendar?");
    expect(second).not.toBe(first);
    expect((await fetch(first)).status).toBe(404);
    expect((await fetch(second)).status).toBe(200);
    await page.locator("#status.good").waitFor();
    expect(await page.textContent("#status")).toBe("New URL made; the old one no longer works");
    first = second;
  });

  it("revokes it: the URL answers 404 and the page shows none", async () => {
    await page.click('button[data-action="revoke"]');
    await page.locator('button[data-action="make"]').waitFor();
    expect(await feedState()).toBe("none");
    expect(await page.isHidden("#new-url")).toBe(true);
    expect((await fetch(first)).status).toBe(404);
    expect(pageErrors).toEqual([]);
  });
});
