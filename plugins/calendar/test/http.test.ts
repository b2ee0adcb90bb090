import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHost, startServer, type Host, type RunningServer } from "@goatkit/host";
import ICAL from "ical.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emma, pluginDir } from "./support/calendar-host.js";

// The plugin as a help desk runs it: discovered in a plugins folder by the plugin manager,
// its routes and widget served over HTTP with the manifest's `auth` middleware, and its
// reminder job run by the host's scheduler on the host clock.
const TOKEN = "emma-token-0c41";
const clock = { now: Date.parse("2026-03-30T06:00:00Z") };
let folder: string;
let host: Host;
let server: RunningServer;

function request(path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
  const { token = TOKEN, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (token) headers.set("authorization", `Bearer ${token}`);
  return fetch(`${server.url}/api/plugins/calendar${path}`, { ...rest, headers });
}

const postJson = (path: string, body: unknown) => request(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "goatkit-calendar-"));
  await mkdir(join(folder, "calendar", "build"), { recursive: true });
  await cp(join(pluginDir, "manifest.json"), join(folder, "calendar", "manifest.json"));
  await cp(join(pluginDir, "build", "plugin.wasm"), join(folder, "calendar", "build", "plugin.wasm"));
  host = await createHost({ database: { demo: { tickets: 30, anchorDay: "2026-03-20" } }, now: () => clock.now });
  server = await startServer({ host, managerOptions: { pluginsDir: folder }, tokens: { [TOKEN]: emma }, scheduler: { tickMs: 0 }, port: 0, dashboard: false });
});

afterAll(async () => {
  await server?.close();
  await host?.close();
  await rm(folder, { recursive: true, force: true });
});

describe("over HTTP", () => {
  let calendarId: number;

  it("serves the routes under /api/plugins/calendar behind the auth middleware", async () => {
    expect((await request("/calendars", { token: null })).status).toBe(401);
    const created = await postJson("/calendars", { name: "Emma", timezone: "Europe/Berlin" });
    expect(created.status).toBe(201);
    const calendar = await created.json();
    calendarId = calendar.id;
    expect(created.headers.get("location")).toBe(`/api/plugins/calendar/calendars/${calendarId}`);
    const booked = await postJson(`/calendars/${calendarId}/appointments`, { title: "Customer call", start: "2026-03-30T10:00", duration_minutes: 30, rrule: "FREQ=DAILY;COUNT=2", reminder_minutes: 15 });
    expect(booked.status).toBe(201);
    const clash = await postJson(`/calendars/${calendarId}/appointments`, { title: "Overlap", start: "2026-03-31T10:15", duration_minutes: 30 });
    expect(clash.status).toBe(409);
    expect((await clash.json()).code).toBe("CONFLICT");
    const range = await request(`/calendars/${calendarId}/appointments?from=2026-03-30&to=2026-03-31`);
    expect((await range.json()).occurrences.map((o: { start_utc: string }) => o.start_utc)).toEqual(["2026-03-30T08:00:00Z", "2026-03-31T08:00:00Z"]);
  });

  it("serves the feed as text/calendar and imports an .ics body", async () => {
    const feed = await request(`/calendars/${calendarId}/feed.ics`);
    expect(feed.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
    const text = await feed.text();
    const events = new ICAL.Component(ICAL.parse(text)).getAllSubcomponents("vevent");
    expect(events.map((e) => e.getFirstPropertyValue("summary"))).toEqual(["Customer call"]);

    const copy = await (await postJson("/calendars", { name: "Copy", timezone: "Europe/Berlin" })).json();
    const imported = await request(`/calendars/${copy.id}/import`, { method: "POST", headers: { "content-type": "text/calendar" }, body: text });
    expect(await imported.json()).toMatchObject({ imported: 1, skipped: [] });
  });

  it("renders the widget for the signed-in agent", async () => {
    const widget = await request("/widgets/todays-appointments?bare");
    expect(widget.status).toBe(200);
    expect(await widget.text()).toContain('<span class="font-medium">Customer call</span>');
  });

  it("runs the reminder job on its schedule: one email per occurrence", async () => {
    const [job] = server.scheduler!.list("calendar");
    expect(job).toMatchObject({ id: "send-reminders", handler: "send_reminders", schedule: "*/5 * * * *", source: "manifest" });
    const reminders = () => host.mailbox!.list("calendar").map((m) => [m.to[0], m.subject]);

    clock.now = Date.parse("2026-03-30T07:45:00Z");
    const [run] = await server.scheduler!.tick();
    expect(run).toMatchObject({ status: "succeeded", job: "send-reminders" });
    // The series and its imported copy are two appointments: each reminds its owner (Emma) once.
    expect(JSON.parse(run!.result!)).toMatchObject({ due: 2, sent: 2 });
    clock.now = Date.parse("2026-03-30T07:50:00Z");
    const [again] = await server.scheduler!.tick();
    expect(JSON.parse(again!.result!)).toMatchObject({ due: 2, sent: 0, already_sent: 2 });
    expect(reminders()).toEqual([
      [emma.email, "Reminder: Customer call at 10:00 (Europe/Berlin)"],
      [emma.email, "Reminder: Customer call at 10:00 (Europe/Berlin)"],
    ]);
    clock.now = Date.parse("2026-03-31T07:45:00Z");
    await server.scheduler!.tick();
    expect(reminders()).toHaveLength(4);
  });
});
