import { readFile } from "node:fs/promises";
import { validateManifest } from "@goatkit/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CalendarHost, ada, customer, emma, farid, pluginDir } from "./support/calendar-host.js";

let cal: CalendarHost;

beforeAll(async () => {
  cal = await CalendarHost.open("2026-03-10T08:00:00Z");
});
afterAll(() => cal.close());

describe("the plugin in the host", () => {
  it("has a valid manifest whose handlers the component exports, and only the permissions it uses", async () => {
    const manifest = JSON.parse(await readFile(`${pluginDir}/manifest.json`, "utf8"));
    const result = validateManifest(manifest);
    expect(result.ok, JSON.stringify(result)).toBe(true);
    expect(result.warnings).toEqual([]);
    const exported = cal.host.plugin("calendar")!.exports;
    for (const route of manifest.routes) {
      expect(exported).toContain(route.handler);
      expect(route.path.startsWith("/api/plugins/calendar/")).toBe(true);
      // Every route needs a sign-in but the subscription feed, whose secret URL is the credential,
      // and the subscriptions page: a shell with no data, whose script signs in itself.
      expect(route.middleware).toEqual(["subscribed_feed", "subscriptions_page"].includes(route.handler) ? undefined : ["auth"]);
    }
    expect(manifest.permissions).toEqual(["db:read", "db:write", "email:send"]);
  });

  it("applies its migrations and registers the reminder job", async () => {
    const applied = await cal.host.services.db.query("SELECT id FROM goatkit_migrations WHERE plugin = ? ORDER BY id", ["calendar"]);
    expect(applied.map((r) => r.id)).toEqual(["001_create_calendars", "002_create_appointments", "003_create_reminders_sent", "004_create_feed_tokens"]);
    expect(cal.host.jobs.list("calendar").map((j) => [j.handler, j.schedule])).toEqual([["send_reminders", "*/5 * * * *"]]);
  });

  it("lists the time zones it supports, with their offset now", async () => {
    const { time_zones } = await cal.json("list_time_zones");
    expect(time_zones).toContainEqual({ id: "Europe/Berlin", utc_offset: "+01:00", daylight_saving: "EU" });
    expect(time_zones).toContainEqual({ id: "America/New_York", utc_offset: "-04:00", daylight_saving: "US" });
    expect(time_zones).toContainEqual({ id: "Asia/Kolkata", utc_offset: "+05:30", daylight_saving: null });
  });
});

describe("calendars", () => {
  it("creates an agent calendar for the signed-in agent and a team calendar for a queue", async () => {
    const mine = await cal.createCalendar({ name: "Emma's calendar", timezone: "Europe/Berlin" });
    expect(mine).toMatchObject({ name: "Emma's calendar", owner_type: "agent", owner_id: emma.id, owner: { id: 5, name: expect.any(String) }, timezone: "Europe/Berlin" });
    expect(mine.feed_url).toBe(`/api/plugins/calendar/calendars/${mine.id}/feed.ics`);
    const team = await cal.createCalendar({ name: "Raw queue on-call", owner_type: "team", owner_id: 1 });
    expect(team).toMatchObject({ owner_type: "team", owner_id: 1, owner: { id: 1, name: "Raw" }, timezone: "UTC" });

    const teams = await cal.json("list_calendars", { query: { owner_type: "team" } });
    expect(teams.calendars.map((c: { id: number }) => c.id)).toEqual([team.id]);
    expect((await cal.json("get_calendar", { params: { id: String(mine.id) } })).name).toBe("Emma's calendar");
  });

  it("lets the calendar's agent or an admin change it, and no other agent", async () => {
    const calendar = await cal.createCalendar({ name: "Mine", timezone: "UTC" });
    const params = { id: String(calendar.id) };
    const renamed = await cal.json("update_calendar", { method: "PATCH", params, body: { name: "Emma (Berlin)", timezone: "Europe/Berlin" } });
    expect(renamed).toMatchObject({ name: "Emma (Berlin)", timezone: "Europe/Berlin" });
    const refused = await cal.call("update_calendar", { method: "PATCH", params, body: { name: "Farid's now" }, user: farid });
    expect(refused.status).toBe(403);
    expect(refused.error?.message).toBe(`only an administrator or the calendar's own agent may change calendar ${calendar.id} ("Emma (Berlin)")`);
    expect((await cal.json("update_calendar", { method: "PATCH", params, body: { name: "Audited" }, user: ada })).name).toBe("Audited");
  });

  it("deletes a calendar with its appointments", async () => {
    const calendar = await cal.createCalendar({ name: "Short-lived" });
    await cal.createAppointment(calendar.id, { title: "One", start: "2026-03-11T10:00", duration_minutes: 30 });
    await cal.createAppointment(calendar.id, { title: "Two", start: "2026-03-12T10:00", duration_minutes: 30 });
    const deleted = await cal.json("delete_calendar", { method: "DELETE", params: { id: String(calendar.id) } });
    expect(deleted).toEqual({ deleted: calendar.id, appointments_deleted: 2 });
    expect(await cal.host.services.db.query("SELECT COUNT(*) AS n FROM calendar_appointments WHERE calendar_id = ?", [calendar.id])).toEqual([{ n: 0 }]);
    const gone = await cal.call("get_calendar", { params: { id: String(calendar.id) } });
    expect(gone.status).toBe(404);
    expect(gone.error).toEqual({ code: "NOT_FOUND", message: `calendar "${calendar.id}" does not exist; GET /api/plugins/calendar/calendars lists them` });
  });

  it("is for staff: customers are refused, anonymous calls told to sign in", async () => {
    const asCustomer = await cal.call("list_calendars", { user: customer });
    expect(asCustomer.status).toBe(403);
    expect(asCustomer.error?.message).toBe("calendar routes are for agents and administrators; carla.customer is a customer");
    const anonymous = await cal.call("list_calendars", { user: null });
    expect(anonymous.status).toBe(401);
  });
});

describe("appointments linked to tickets", () => {
  it("shows the ticket and lists a ticket's appointments across calendars", async () => {
    const [ticket] = await cal.host.services.db.query("SELECT id, tn, title FROM tickets WHERE id = 7", []);
    const mine = await cal.createCalendar({ name: "Emma", timezone: "Europe/Berlin" });
    const team = await cal.createCalendar({ name: "Junk team", owner_type: "team", owner_id: 2, timezone: "Europe/Berlin" });
    const call = await cal.createAppointment(mine.id, { title: "Call the customer back", start: "2026-03-11T14:00", duration_minutes: 15, ticket_id: 7 });
    expect(call.ticket).toEqual(ticket);
    expect(call.next_occurrences).toHaveLength(1);
    await cal.createAppointment(team.id, { title: "On-site visit", start: "2026-03-12T09:00", end: "2026-03-12T11:00", ticket_id: 7 }, farid);
    await cal.createAppointment(mine.id, { title: "Unrelated", start: "2026-03-12T09:00", duration_minutes: 15 });

    const linked = await cal.json("ticket_appointments", { params: { ticket_id: "7" } });
    expect(linked.ticket).toEqual(ticket);
    expect(linked.appointments.map((a: { title: string }) => a.title)).toEqual(["Call the customer back", "On-site visit"]);
    // On a team calendar the booking agent owns the appointment (and gets its reminders).
    expect(linked.appointments[1].owner_user_id).toBe(farid.id);
    expect((await cal.call("ticket_appointments", { params: { ticket_id: "99999" } })).status).toBe(404);
  });

  it("reads, changes and deletes an appointment", async () => {
    const calendar = await cal.createCalendar({ name: "Edits", timezone: "Europe/Berlin" });
    const created = await cal.createAppointment(calendar.id, { title: "Review", start: "2026-03-13T10:00", duration_minutes: 45, location: "Room 2" });
    const params = { id: String(created.id) };
    expect(await cal.json("get_appointment", { params })).toMatchObject({ title: "Review", start: "2026-03-13T10:00:00", end: "2026-03-13T10:45:00", location: "Room 2", reminder_minutes: 15 });
    // Moving the start alone keeps the duration.
    const moved = await cal.json("update_appointment", { method: "PATCH", params, body: { start: "2026-03-13T15:30", title: "Review (moved)" } });
    expect(moved).toMatchObject({ title: "Review (moved)", start: "2026-03-13T15:30:00", end: "2026-03-13T16:15:00", start_utc: "2026-03-13T14:30:00Z", location: "Room 2" });
    const longer = await cal.json("update_appointment", { method: "PATCH", params, body: { duration_minutes: 90 } });
    expect(longer.end).toBe("2026-03-13T17:00:00");
    const noMove = await cal.call("update_appointment", { method: "PATCH", params, body: { calendar_id: calendar.id + 1 } });
    expect(noMove.status).toBe(400);
    expect(noMove.error?.message).toMatch(/^invalid appointment: "calendar_id" cannot be changed/);
    expect(await cal.json("delete_appointment", { method: "DELETE", params })).toEqual({ deleted: created.id });
    expect((await cal.call("get_appointment", { params })).status).toBe(404);
  });
});

describe("validation errors name the field", () => {
  let calendarId: string;
  beforeAll(async () => {
    calendarId = String((await cal.createCalendar({ name: "Validation", timezone: "Europe/Berlin" })).id);
  });

  const book = (body: unknown) => cal.call("create_appointment", { params: { id: calendarId }, body });

  it.each([
    [{ start: "2026-03-20T10:00", duration_minutes: 30 }, `"title" is required`],
    [{ title: "x", start: "tomorrow", duration_minutes: 30 }, `"start" must be a date-time such as "2026-03-30T09:00" (wall clock in "tzid") or an instant such as "2026-03-30T07:00:00Z"; got "tomorrow"`],
    [{ title: "x", start: "2026-03-20", duration_minutes: 30 }, `(for a whole day set "all_day": true)`],
    [{ title: "x", start: "2026-03-20T10:00" }, `"end" is required (or give "duration_minutes")`],
    [{ title: "x", start: "2026-03-20T10:00", end: "2026-03-20T09:00" }, `"end" (2026-03-20T09:00:00) is before "start" (2026-03-20T10:00:00)`],
    [{ title: "x", start: "2026-03-20T10:00", duration_minutes: 30, tzid: "Mars/Olympus_Mons" }, `"tzid" "Mars/Olympus_Mons" is not a supported time zone`],
    [{ title: "x", start: "2026-03-20T10:00", duration_minutes: 30, rrule: "FREQ=WEEKLY;BYHOUR=9" }, `"rrule" BYHOUR is not supported; the supported parts are FREQ, INTERVAL, COUNT, UNTIL, BYMONTH, BYMONTHDAY, BYDAY, BYSETPOS, WKST`],
    [{ title: "x", start: "2026-03-20T10:00", duration_minutes: 30, rrule: "FREQ=HOURLY" }, `"rrule" FREQ=HOURLY is not supported for appointments; use DAILY, WEEKLY, MONTHLY or YEARLY`],
    [{ title: "x", start: "2026-03-20T10:00", duration_minutes: 30, rrule: "FREQ=DAILY;COUNT=3;UNTIL=20260401T000000Z" }, `"rrule" has both COUNT and UNTIL`],
    [{ title: "x", start: "2026-03-20T10:00", duration_minutes: 30, rrule: "FREQ=WEEKLY;COUNT=3", exdates: ["2026-03-21T10:00"] }, `"exdates[0]" (2026-03-21T10:00:00) is not the start of an occurrence of the series`],
    [{ title: "x", start: "2026-03-20T10:00", duration_minutes: 30, ticket_id: 99999 }, `"ticket_id" names no ticket: there is no ticket 99999`],
    [{ title: "x", start: "2026-03-20T10:00", duration_minutes: 30, reminder_minutes: -5 }, `"reminder_minutes" must be a whole number from 0 to 10080 (or null); got -5`],
    [{ titel: "x", start: "2026-03-20T10:00", duration_minutes: 30 }, `"titel" is not a field of an appointment`],
    [{ title: "x", all_day: true, start: "2026-03-20", end: "2026-03-20" }, `"end" must be after "start": it is the day after the last day`],
  ])("%j", async (body, message) => {
    const res = await book(body);
    expect(res.status).toBe(400);
    expect(res.error?.code).toBe("VALIDATION_FAILED");
    expect(res.error?.message).toContain(message);
    expect(res.error?.message).toMatch(/^invalid appointment: "/);
  });

  it("reports every wrong field at once", async () => {
    const res = await book({ title: "", start: "2026-13-01T10:00", duration_minutes: 0.5, owner_user_id: 4242 });
    expect(res.error?.message).toBe(
      'invalid appointment: "title" is required; "start" must be a date-time such as "2026-03-30T09:00" (wall clock in "tzid") or an instant such as "2026-03-30T07:00:00Z"; got "2026-13-01T10:00"; ' +
        '"duration_minutes" must be a whole number from 0 to 44640 (or null); got 0.5; "owner_user_id" names no user: there is no user 4242',
    );
  });

  it("names the field of calendars, query parameters and the body", async () => {
    const calendar = await cal.call("create_calendar", { body: { name: "Team", owner_type: "team", owner_id: 77, timezone: "Berlin" } });
    expect(calendar.error?.message).toBe(
      'invalid calendar: "owner_id" names no queue: there is no queue 77 (a team calendar belongs to a queue\'s team); "timezone" "Berlin" is not a supported time zone; use an IANA name such as "Europe/Berlin" (GET /api/plugins/calendar/time-zones lists them)',
    );
    const slots = await cal.call("free_slots", { params: { id: calendarId }, query: { from: "2026-03-20", slot_minutes: "ten", weekdays: "MO,XX" } });
    expect(slots.status).toBe(400);
    expect(slots.error?.message).toBe('invalid request: "slot_minutes" must be a whole number of minutes from 5 to 720; got "ten"; "weekdays" must list weekdays such as "MO,TU,WE,TH,FR"; "XX" is not one of SU, MO, TU, WE, TH, FR, SA');
    const range = await cal.call("list_appointments", { params: { id: calendarId }, query: { from: "2026-03-20", to: "2026-03-01" } });
    expect(range.error?.message).toBe('invalid request: "to" (2026-03-01T23:00:00Z) must be after "from" (2026-03-19T23:00:00Z)');
    const notJson = await cal.call("create_appointment", { params: { id: calendarId }, body: "title=x" });
    expect(notJson.status).toBe(400);
    expect(notJson.error?.message).toBe('the request body must be a JSON object such as {"title": "Call back", "start": "2026-03-30T09:00", "duration_minutes": 30}');
  });
});
