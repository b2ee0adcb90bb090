import { randomBytes } from "node:crypto";
import { MysqlDatabase, PostgresDatabase, RedisCache, type DatabaseService } from "@goatkit/host";
import { describe, expect, it } from "vitest";
import { CalendarHost, DEMO, emma, farid } from "./support/calendar-host.js";

// The plugin's migrations and SQL on PostgreSQL and MySQL/MariaDB: one scenario touching every
// table and query runs on each and must give exactly what it gives on SQLite. Like the host's
// adapter suites, these run when the servers are named (.ci/run sets the variables when the
// ports answer) and say which variable enables them otherwise.
const POSTGRES_URL = process.env.GOATKIT_TEST_POSTGRES_URL || undefined;
const MYSQL_URL = process.env.GOATKIT_TEST_MYSQL_URL || undefined;
const scratchName = () => `goatkit_calendar_${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;

/** Drops what a UID (random) or a generated id would make differ between two runs. */
function stable(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value), (key, v) => (key === "uid" ? "<uid>" : typeof v === "string" ? v.replace(/\r\nUID:[^\r]*|[a-z0-9]+-[0-9a-f]{16}@calendar\.goatkit/g, "<uid>") : v));
}

async function scenario(database?: DatabaseService): Promise<unknown> {
  // On a server database, the cache is Redis when one is at hand.
  const redisUrl = process.env.GOATKIT_TEST_REDIS_URL;
  const cache = database && redisUrl ? await RedisCache.connect({ url: redisUrl, keyPrefix: `calendar_test_${Date.now().toString(36)}:` }) : undefined;
  const cal = await CalendarHost.open("2026-03-20T06:00:00Z", { database, ...(cache ? { cache } : {}) });
  try {
    const out: Record<string, unknown> = {};
    const berlin = (await cal.createCalendar({ name: "Emma", timezone: "Europe/Berlin" })).id;
    const team = (await cal.createCalendar({ name: "Raw team", owner_type: "team", owner_id: 1 }, farid)).id;
    out.calendars = await cal.json("list_calendars");
    out.weekly = await cal.createAppointment(berlin, { title: "Team meeting", start: "2026-03-23T09:00", duration_minutes: 60, rrule: "FREQ=WEEKLY;BYDAY=MO;COUNT=4", exdates: ["2026-04-06T09:00"], ticket_id: 4, description: "Quarterly, \"planning\"; bring numbers" });
    await cal.createAppointment(berlin, { title: "New York sync", tzid: "America/New_York", start: "2026-03-23T09:00", duration_minutes: 30, rrule: "FREQ=WEEKLY;BYDAY=MO" });
    await cal.createAppointment(berlin, { title: "Offsite", all_day: true, start: "2026-03-26", end: "2026-03-28" });
    await cal.createAppointment(team, { title: "Queue triage", start: "2026-03-23T07:45", duration_minutes: 15, reminder_minutes: 15 }, farid);
    out.conflict = (await cal.call("create_appointment", { params: { id: String(berlin) }, body: { title: "Clash", start: "2026-03-30T09:30", duration_minutes: 30 } })).status;
    out.occurrences = await cal.occurrences(berlin, { from: "2026-03-20", to: "2026-04-10" });
    out.conflicts = await cal.json("list_conflicts", { params: { id: String(berlin) }, query: { from: "2026-03-20", to: "2026-06-30" } });
    out.slots = await cal.json("free_slots", { params: { id: String(berlin) }, query: { from: "2026-03-29", to: "2026-03-30", day_start: "00:00", day_end: "12:00", slot_minutes: "60", weekdays: "SU,MO" } });
    out.ticket = await cal.json("ticket_appointments", { params: { ticket_id: "4" } });
    out.patched = await cal.json("update_appointment", { method: "PATCH", params: { id: String(out.weekly && (out.weekly as { id: number }).id) }, body: { title: "Team meeting (moved)", start: "2026-03-23T08:00" } });
    const feed = String((await cal.call("export_ical", { params: { id: String(berlin) } })).body);
    const copy = (await cal.createCalendar({ name: "Copy", timezone: "Europe/Berlin" })).id;
    out.imported = await cal.json("import_ical", { method: "POST", params: { id: String(copy) }, body: feed });
    const timestamps = (text: string) => text.replace(/(DTSTAMP|LAST-MODIFIED|CREATED):\d{8}T\d{6}Z/g, "$1:<t>");
    const reexported = String((await cal.call("export_ical", { params: { id: String(copy) } })).body).replace("X-WR-CALNAME:Copy", "X-WR-CALNAME:Emma");
    out.reexported = timestamps(reexported) === timestamps(feed) ? "same" : "differs";
    out.feed = feed;
    cal.setTime("2026-03-23T07:30:00Z");
    out.reminders = [await cal.json("send_reminders"), await cal.json("send_reminders")];
    out.widget = String((await cal.host.call("calendar", "render_today_widget", { kind: "widget", user: emma })).body);
    out.deleted = await cal.json("delete_calendar", { method: "DELETE", params: { id: String(copy) } });
    return stable(out);
  } finally {
    await cal.close();
  }
}

let onSqlite: unknown;
async function sqliteResult(): Promise<unknown> {
  onSqlite ??= await scenario();
  return onSqlite;
}

describe("the same scenario on every database", () => {
  it("runs on SQLite", async () => {
    const result = (await sqliteResult()) as Record<string, unknown>;
    expect(result.conflict).toBe(409);
    expect((result.imported as { imported: number }).imported).toBe(3);
    expect(result.reexported).toBe("same");
    expect((result.patched as { exdates: string[] }).exdates).toEqual(["2026-04-06T08:00:00"]);
  });

  it.skipIf(!POSTGRES_URL)("gives the same results on PostgreSQL", async () => {
    const admin = await PostgresDatabase.connect({ url: POSTGRES_URL! });
    const schema = scratchName();
    await admin.migrate(`CREATE SCHEMA ${schema}`);
    try {
      const db = await PostgresDatabase.connect({ url: POSTGRES_URL!, schema });
      await db.seedDemo(DEMO);
      expect(await scenario(db)).toEqual(await sqliteResult());
    } finally {
      await admin.migrate(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
    }
  });

  it.skipIf(!MYSQL_URL)("gives the same results on MySQL/MariaDB", async () => {
    const admin = await MysqlDatabase.connect({ url: MYSQL_URL! });
    const database = scratchName();
    await admin.migrate(`CREATE DATABASE ${database} CHARACTER SET utf8mb4`);
    try {
      const url = new URL(MYSQL_URL!);
      url.pathname = `/${database}`;
      const db = await MysqlDatabase.connect({ url: url.toString() });
      await db.seedDemo(DEMO);
      expect(await scenario(db)).toEqual(await sqliteResult());
    } finally {
      await admin.migrate(`DROP DATABASE IF EXISTS ${database}`);
      await admin.close();
    }
  });
});

if (!POSTGRES_URL) console.log("skipping the calendar on PostgreSQL: set GOATKIT_TEST_POSTGRES_URL to run it (e.g. GOATKIT_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test)");
if (!MYSQL_URL) console.log("skipping the calendar on MySQL/MariaDB: set GOATKIT_TEST_MYSQL_URL to run it (e.g. GOATKIT_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306/test)");
