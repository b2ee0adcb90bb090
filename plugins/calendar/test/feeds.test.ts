import { createHash } from "node:crypto";
import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHost, startServer, type Host, type RunningServer } from "@goatkit/host";
import ICAL from "ical.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { customer, emma, farid, pluginDir } from "./support/calendar-host.js";

// Subscription URLs as a calendar app uses them: the URL alone, no header, no cookie.
const TOKENS = { "emma-token-0c41": emma, "farid-token-93d2": farid, "carla-token-77a0": customer };
const [EMMA, FARID, CARLA] = Object.keys(TOKENS) as [string, string, string];
const clock = { now: Date.parse("2026-03-30T06:00:00Z") };
let folder: string;
let host: Host;
let server: RunningServer;
let calendarId: number;

function api(path: string, token: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${server.url}/api/plugins/calendar${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` } });
}

async function newFeedUrl(token: string): Promise<string> {
  const res = await api(`/calendars/${calendarId}/feed-url`, token, { method: "POST" });
  expect(res.status).toBe(201);
  return ((await res.json()) as { feed_url: string }).feed_url;
}

/** What a calendar app does: a plain GET of the URL. */
const subscribe = (url: string) => fetch(url);
const secretOf = (url: string) => /\/feeds\/([^/]+)\.ics$/.exec(url)![1]!;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "goatkit-calendar-feeds-"));
  await mkdir(join(folder, "calendar", "build"), { recursive: true });
  await cp(join(pluginDir, "manifest.json"), join(folder, "calendar", "manifest.json"));
  await cp(join(pluginDir, "build", "plugin.wasm"), join(folder, "calendar", "build", "plugin.wasm"));
  host = await createHost({ database: { demo: { tickets: 30, anchorDay: "2026-03-20" } }, now: () => clock.now });
  server = await startServer({ host, managerOptions: { pluginsDir: folder }, tokens: TOKENS, scheduler: false, port: 0, dashboard: false });
  const created = await api("/calendars", EMMA, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "Emma", timezone: "Europe/Berlin" }) });
  calendarId = ((await created.json()) as { id: number }).id;
  const booked = await api(`/calendars/${calendarId}/appointments`, EMMA, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ title: "Customer call", start: "2026-03-30T10:00", duration_minutes: 30 }),
  });
  expect(booked.status).toBe(201);
}, 120_000);

afterAll(async () => {
  await server?.close();
  await host?.close();
  await rm(folder, { recursive: true, force: true });
});

describe("calendar subscription URLs", () => {
  it("serves the feed to the URL alone, with no sign-in", async () => {
    const url = await newFeedUrl(EMMA);
    expect(url).toMatch(new RegExp(`^${server.url}/api/plugins/calendar/feeds/[A-Za-z0-9_-]{43}\\.ics$`));
    const feed = await subscribe(url);
    expect(feed.status).toBe(200);
    expect(feed.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
    const events = new ICAL.Component(ICAL.parse(await feed.text())).getAllSubcomponents("vevent");
    expect(events.map((e) => e.getFirstPropertyValue("summary"))).toEqual(["Customer call"]);
    // The bearer-header feed still needs a sign-in.
    expect((await fetch(`${server.url}/api/plugins/calendar/calendars/${calendarId}/feed.ics`)).status).toBe(401);
  });

  it("stores only the secret's SHA-256, and says when the URL was made and last used", async () => {
    const url = await newFeedUrl(EMMA);
    const secret = secretOf(url);
    clock.now = Date.parse("2026-03-30T06:05:00Z");
    expect((await subscribe(url)).status).toBe(200);
    const rows = await host.services.db.query("SELECT * FROM calendar_feed_tokens", []);
    expect(rows).toEqual([
      { id: expect.any(Number), calendar_id: calendarId, user_id: emma.id, token_hash: createHash("sha256").update(secret).digest("hex"), created_at: "2026-03-30T06:00:00Z", last_used_at: "2026-03-30T06:05:00Z" },
    ]);
    expect(JSON.stringify(rows)).not.toContain(secret);
    const status = await (await api(`/calendars/${calendarId}/feed-url`, EMMA)).json();
    expect(status).toEqual({ calendar_id: calendarId, active: true, created_at: "2026-03-30T06:00:00Z", last_used_at: "2026-03-30T06:05:00Z" });
  });

  it("every URL made works: forty in a row, whatever bytes their secrets hold", async () => {
    // One secret in eight has a zero byte; an engine boundary that cut strings at U+0000 broke those.
    for (let i = 0; i < 40; i++) {
      const url = await newFeedUrl(FARID);
      expect(secretOf(url)).toHaveLength(43);
      expect((await subscribe(url)).status).toBe(200);
    }
  });

  it("rotates: a new URL works and the one before stops at once", async () => {
    const before = await newFeedUrl(EMMA);
    const after = await newFeedUrl(EMMA);
    expect(after).not.toBe(before);
    expect((await subscribe(after)).status).toBe(200);
    const old = await subscribe(before);
    expect(old.status).toBe(404);
    expect(await old.json()).toMatchObject({
      error: "no calendar feed has this address: it was revoked or rotated, or never existed; make a new one with POST /api/plugins/calendar/calendars/:id/feed-url",
      code: "NO_SUCH_FEED",
    });
  });

  it("revokes one user's URL without touching another's", async () => {
    const emmas = await newFeedUrl(EMMA);
    const farids = await newFeedUrl(FARID);
    expect(await (await api(`/calendars/${calendarId}/feed-url`, FARID, { method: "DELETE" })).json()).toEqual({ calendar_id: calendarId, revoked: true });
    expect((await subscribe(farids)).status).toBe(404);
    expect((await subscribe(emmas)).status).toBe(200);
    expect(await (await api(`/calendars/${calendarId}/feed-url`, FARID, { method: "DELETE" })).json()).toEqual({ calendar_id: calendarId, revoked: false });
    expect(await (await api(`/calendars/${calendarId}/feed-url`, FARID)).json()).toEqual({ calendar_id: calendarId, active: false, created_at: null, last_used_at: null });
  });

  it("refuses guessed and malformed addresses, customers, and the URL of a user who is no longer valid", async () => {
    for (const guess of ["A".repeat(43), "short", "%2e%2e", `${"a".repeat(43)}x`]) {
      expect((await fetch(`${server.url}/api/plugins/calendar/feeds/${guess}.ics`)).status).toBe(404);
    }
    expect((await api(`/calendars/${calendarId}/feed-url`, CARLA, { method: "POST" })).status).toBe(403);
    const farids = await newFeedUrl(FARID);
    expect((await subscribe(farids)).status).toBe(200);
    await host.services.db.exec("UPDATE users SET valid_id = 2 WHERE id = ?", [farid.id]);
    try {
      expect((await subscribe(farids)).status).toBe(404);
    } finally {
      await host.services.db.exec("UPDATE users SET valid_id = 1 WHERE id = ?", [farid.id]);
    }
  });

  it("deleting the calendar ends its URLs", async () => {
    const url = await newFeedUrl(EMMA);
    expect((await api(`/calendars/${calendarId}`, EMMA, { method: "DELETE" })).status).toBe(200);
    expect((await subscribe(url)).status).toBe(404);
    expect(await host.services.db.query("SELECT COUNT(*) AS n FROM calendar_feed_tokens WHERE calendar_id = ?", [calendarId])).toEqual([{ n: 0 }]);
  });
});
