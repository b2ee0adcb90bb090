import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { createHost, startServer, type Host, type RunningServer } from "@goatkit/host";
import { chromiumAvailable, collectPageErrors, openChromium, type OpenChromium, type Page } from "@goatkit/browser-testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO, pluginDir } from "./support/process-host.js";

// The designer in headless Chromium, on a real server with the demo help desk: draw a
// three-step process by mouse, set the task's agent, publish, create a ticket through the demo
// help desk, and watch the instance arrive on the task and then finish. The host serves the
// designer in an opaque origin (docs/http.md): the admin opens it from the dashboard, which
// hands it a capability for the process plugin's routes.
// Screenshots land in plugins/process/test-artifacts/ (gitignored).
const ARTIFACTS = new URL("../test-artifacts/", import.meta.url).pathname;
const TOKEN = "designer-test-token";
const available = chromiumAvailable("the process designer browser test");

describe.skipIf(!available)("the process designer in Chromium", () => {
  let host: Host;
  let server: RunningServer;
  let browser: OpenChromium;
  let dashboard: Page;
  let page: Page;
  const pageErrors: string[] = [];
  const signedInWith: string[] = [];
  let taskId = "";

  beforeAll(async () => {
    host = await createHost({ database: { demo: DEMO } });
    await host.load(pluginDir);
    server = await startServer({ host, port: 0, demoDesk: true, scheduler: false, tokens: { [TOKEN]: { id: 1, login: "ada.fischer", email: "ada.fischer@goatflow.example", role: "admin" } } });
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await openChromium({ viewport: { width: 1440, height: 900 } });
    dashboard = browser.page;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await host?.close();
  });

  it("opens from the dashboard with the sample process drawn, signed in by a capability", async () => {
    await dashboard.goto(`${server.url}/#token=${TOKEN}`);
    const link = dashboard.locator('.plugin[data-plugin="process"] .pages a[data-page="process"]');
    const [popup] = await Promise.all([browser.context.waitForEvent("page"), link.click()]);
    page = popup;
    // A Content-Security-Policy refusal is one too: the page must run under its strict policy.
    collectPageErrors(page, pageErrors);
    page.on("request", (request) => {
      const authorization = request.headers()["authorization"];
      if (authorization) signedInWith.push(authorization);
    });
    await page.locator('.djs-element[data-element-id="escalate"]').waitFor();
    expect(page.url()).not.toContain(TOKEN);
    expect(signedInWith.length).toBeGreaterThan(0);
    expect(signedInWith.every((a) => /^Bearer gkcap_/.test(a))).toBe(true);
    expect(await page.locator("#process-select option").allTextContents()).toEqual(["Support escalation (v1)"]);
    expect(await page.locator('.djs-element[data-element-id="check_label"]').textContent()).toBe("Closed yet?");
    await page.screenshot({ path: join(ARTIFACTS, "designer-sample.png") });
    const res = await fetch(`${server.url}/api/plugins/process/designer`);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'; style-src 'self';");
    expect(await res.text()).not.toMatch(/<script>|<style>| on[a-z]+=/);
  });

  it("draws start -> task -> end by mouse and sets the task's agent", async () => {
    await page.fill("#new-name", "Browser triage");
    await page.click("#new-process");
    await page.waitForFunction(() => (document.querySelector("#process-select") as HTMLSelectElement).selectedOptions[0]?.textContent === "Browser triage (draft)");
    await page.locator('.djs-element[data-element-id="start"]').waitFor();
    await page.click('.djs-element[data-element-id="start"]');
    await page.click('.djs-context-pad .entry[data-action="append.append-task"]');
    // The new task is selected with its label in edit mode: type its name.
    await page.keyboard.type("Call the customer");
    await page.click("#canvas", { position: { x: 700, y: 700 } });
    const task = page.locator('.djs-element.djs-shape[data-element-id^="Activity_"]');
    await task.waitFor();
    taskId = (await task.getAttribute("data-element-id"))!;
    await task.click();
    await page.locator("#settings-form:not([hidden]) input[name=agent]").fill("emma.larsen");
    await page.click("#apply-settings");
    await page.click('.djs-context-pad .entry[data-action="append.end-event"]');
    await page.locator('.djs-element.djs-shape[data-element-id^="Event_"]').waitFor();
    expect(await page.locator(".djs-element.djs-connection").count()).toBe(2);
  });

  it("validates and publishes", async () => {
    await page.click("#validate");
    await page.locator("#problems li.good").waitFor();
    await page.click("#publish");
    await page.locator('#status.good:text("Published version 1")').waitFor();
    const process = await (await fetch(`${server.url}/api/plugins/process/processes/2`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
    expect(process.draft.steps.map((s: any) => [s.type, s.name, s.agent ?? null])).toEqual([
      ["start", "Start", null],
      ["task", "Call the customer", "emma.larsen"],
      ["end", "", null],
    ]);
    expect(process.published_version.version).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, "designer-published.png") });
  });

  it("shows a ticket from the demo help desk arriving on the task, then finishing", async () => {
    // The demo help desk in the dashboard, in a second tab: the designer keeps polling in the first.
    const desk = await browser.context.newPage();
    desk.on("pageerror", (error) => pageErrors.push(error.message));
    await desk.goto(`${server.url}/`);
    await desk.click('.nav a[data-view="tickets"]');
    await desk.locator("#desk-queue option").first().waitFor({ state: "attached" });
    await desk.fill("#desk-title", "Customer wants a call back");
    await desk.selectOption("#desk-queue", "Raw");
    await desk.click("#desk-create");
    const answer = desk.locator('#desk-hooks .desk-hook[data-plugin="process"] pre');
    await answer.waitFor();
    expect(JSON.parse((await answer.textContent())!).started).toEqual([expect.objectContaining({ status: "waiting", step: taskId })]);
    expect(await desk.locator("#desk-tickets tbody tr").first().locator("td").nth(1).textContent()).toBe("Customer wants a call back");
    await desk.screenshot({ path: join(ARTIFACTS, "help-desk.png") });
    await desk.close();
    const badge = page.locator(`.gk-badge[data-step="${taskId}"]`);
    await badge.waitFor();
    expect(await badge.textContent()).toBe("1");
    const item = page.locator("#instances li.instance").first();
    expect(await item.locator(".status").textContent()).toBe("waiting");
    expect(await item.locator("code").textContent()).toBe(taskId);
    await page.screenshot({ path: join(ARTIFACTS, "designer-instance.png") });
    const instanceId = await item.getAttribute("data-instance");
    const done = await fetch(`${server.url}/api/plugins/process/instances/${instanceId}/complete`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } });
    expect(done.status).toBe(200);
    await page.locator("#instances li.instance.completed").waitFor();
    expect(await badge.count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  it("asks the dashboard for a fresh capability when the page reloads, and none when opened directly", async () => {
    signedInWith.length = 0;
    await page.reload();
    await page.locator("#process-select option").first().waitFor({ state: "attached" });
    expect(await page.isHidden("#signin")).toBe(true);
    expect(signedInWith.length).toBeGreaterThan(0);
    expect(signedInWith.every((a) => /^Bearer gkcap_/.test(a))).toBe(true);
    const direct = await browser.context.newPage();
    await direct.goto(`${server.url}/api/plugins/process/designer`);
    await direct.locator("#signin:not([hidden])").waitFor();
    expect(await direct.textContent("#signin-message")).toContain("Open the designer from the GoatKit dashboard");
    await direct.close();
  });
});
