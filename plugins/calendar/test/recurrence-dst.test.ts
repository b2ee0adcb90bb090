import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CalendarHost, zonedInstant } from "./support/calendar-host.js";

// 2026: the US moves its clocks on 8 March and 1 November, the EU on 29 March and 25 October.
// Expected instants come from Node's ICU (zonedInstant), not from the plugin's own table.
let cal: CalendarHost;

beforeAll(async () => {
  cal = await CalendarHost.open("2026-01-05T00:00:00Z");
});
afterAll(() => cal.close());

async function calendar(name: string, timezone = "Europe/Berlin"): Promise<number> {
  return (await cal.createCalendar({ name, timezone })).id;
}

/** [local start, UTC start] of each occurrence in the range. */
async function occurrences(calendarId: number, from: string, to: string): Promise<[string, string][]> {
  return (await cal.occurrences(calendarId, { from, to })).map((o) => [o.start, o.start_utc]);
}

describe("recurrence expands on the wall clock of the appointment's zone", () => {
  it("a weekly 09:00 Europe/Berlin meeting stays at 09:00 across the spring change", async () => {
    const id = await calendar("Berlin weekly");
    await cal.createAppointment(id, { title: "Team meeting", start: "2026-03-16T09:00", duration_minutes: 60, rrule: "FREQ=WEEKLY;BYDAY=MO;COUNT=4" });
    const expected = ["2026-03-16", "2026-03-23", "2026-03-30", "2026-04-06"].map((day) => [`${day}T09:00:00`, zonedInstant(`${day}T09:00:00`, "Europe/Berlin")]);
    expect(await occurrences(id, "2026-03-01", "2026-04-30")).toEqual(expected);
    expect(expected.map(([, utc]) => utc)).toEqual(["2026-03-16T08:00:00Z", "2026-03-23T08:00:00Z", "2026-03-30T07:00:00Z", "2026-04-06T07:00:00Z"]);
  });

  it("and across the autumn change", async () => {
    const id = await calendar("Berlin autumn");
    await cal.createAppointment(id, { title: "Team meeting", start: "2026-10-19T09:00", duration_minutes: 60, rrule: "FREQ=WEEKLY;BYDAY=MO;UNTIL=20261102T235959Z" });
    expect(await occurrences(id, "2026-10-01", "2026-11-30")).toEqual([
      ["2026-10-19T09:00:00", "2026-10-19T07:00:00Z"],
      ["2026-10-26T09:00:00", "2026-10-26T08:00:00Z"],
      ["2026-11-02T09:00:00", "2026-11-02T08:00:00Z"],
    ]);
  });

  it("a weekly 09:00 America/New_York call follows the US dates", async () => {
    const id = await calendar("New York weekly", "America/New_York");
    await cal.createAppointment(id, { title: "Vendor call", start: "2026-03-02T09:00", duration_minutes: 30, rrule: "FREQ=WEEKLY" });
    const days = ["2026-03-02", "2026-03-09", "2026-03-16"];
    expect(await occurrences(id, "2026-03-01", "2026-03-17")).toEqual(days.map((d) => [`${d}T09:00:00`, zonedInstant(`${d}T09:00:00`, "America/New_York")]));
    expect(await occurrences(id, "2026-10-26", "2026-11-03")).toEqual([
      ["2026-10-26T09:00:00", "2026-10-26T13:00:00Z"],
      ["2026-11-02T09:00:00", "2026-11-02T14:00:00Z"],
    ]);
  });

  it("keeps an occurrence's elapsed length on the night the clocks change (RFC 5545 3.8.5.3)", async () => {
    const id = await calendar("Night shift");
    await cal.createAppointment(id, { title: "Night shift", start: "2026-03-28T01:00", end: "2026-03-28T04:00", rrule: "FREQ=DAILY;COUNT=2" });
    const [saturday, sunday] = await cal.occurrences(id, { from: "2026-03-28", to: "2026-03-29" });
    expect([saturday.start, saturday.end, saturday.start_utc, saturday.end_utc]).toEqual(["2026-03-28T01:00:00", "2026-03-28T04:00:00", "2026-03-28T00:00:00Z", "2026-03-28T03:00:00Z"]);
    // Three hours from 01:00 on the spring night end at 05:00 daylight time.
    expect([sunday.start, sunday.end, sunday.start_utc, sunday.end_utc]).toEqual(["2026-03-29T01:00:00", "2026-03-29T05:00:00", "2026-03-29T00:00:00Z", "2026-03-29T03:00:00Z"]);
  });

  it("books a time the spring change skips as the hour after it", async () => {
    const id = await calendar("Gap");
    const booked = await cal.createAppointment(id, { title: "At 02:30", start: "2026-03-29T02:30", duration_minutes: 30 });
    expect([booked.start_utc, booked.end_utc]).toEqual(["2026-03-29T01:30:00Z", "2026-03-29T02:00:00Z"]);
  });

  it("MONTHLY with BYDAY=-1FR, COUNT: the last Friday, at 16:00 New York time", async () => {
    const id = await calendar("Month end", "America/New_York");
    await cal.createAppointment(id, { title: "Month-end review", start: "2026-01-30T16:00", duration_minutes: 60, rrule: "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3" });
    expect(await occurrences(id, "2026-01-01", "2026-06-30")).toEqual([
      ["2026-01-30T16:00:00", "2026-01-30T21:00:00Z"],
      ["2026-02-27T16:00:00", "2026-02-27T21:00:00Z"],
      ["2026-03-27T16:00:00", "2026-03-27T20:00:00Z"],
    ]);
  });

  it("DAILY with INTERVAL and UNTIL, minus an EXDATE; a local UNTIL is stored in UTC", async () => {
    const id = await calendar("Every other day");
    const series = await cal.createAppointment(id, {
      title: "Backup check",
      start: "2026-03-27T08:00",
      duration_minutes: 15,
      rrule: "FREQ=DAILY;INTERVAL=2;UNTIL=20260404T080000",
      exdates: ["2026-03-31T08:00"],
    });
    expect(series.rrule).toBe("FREQ=DAILY;INTERVAL=2;UNTIL=20260404T060000Z");
    expect(series.exdates).toEqual(["2026-03-31T08:00:00"]);
    expect(series.series_end_utc).toBe("2026-04-04T06:15:00Z");
    expect(await occurrences(id, "2026-03-20", "2026-04-30")).toEqual([
      ["2026-03-27T08:00:00", "2026-03-27T07:00:00Z"],
      ["2026-03-29T08:00:00", "2026-03-29T06:00:00Z"],
      ["2026-04-02T08:00:00", "2026-04-02T06:00:00Z"],
      ["2026-04-04T08:00:00", "2026-04-04T06:00:00Z"],
    ]);
  });

  it("moving a series moves the occurrences it leaves out", async () => {
    const id = await calendar("Moved series");
    const series = await cal.createAppointment(id, { title: "Sync", start: "2026-03-16T09:00", duration_minutes: 30, rrule: "FREQ=WEEKLY;COUNT=3", exdates: ["2026-03-23T09:00"] });
    const moved = await cal.json("update_appointment", { method: "PATCH", params: { id: String(series.id) }, body: { start: "2026-03-17T14:00" } });
    expect(moved.exdates).toEqual(["2026-03-24T14:00:00"]);
    expect((await occurrences(id, "2026-03-01", "2026-04-30")).map(([local]) => local)).toEqual(["2026-03-17T14:00:00", "2026-03-31T14:00:00"]);
  });

  it("counts DTSTART as the first occurrence even when the rule would not produce it", async () => {
    const id = await calendar("Kick-off");
    await cal.createAppointment(id, { title: "Kick-off, then Mondays", start: "2026-03-11T10:00", duration_minutes: 30, rrule: "FREQ=WEEKLY;BYDAY=MO;COUNT=3" });
    expect((await occurrences(id, "2026-03-01", "2026-04-30")).map(([local]) => local)).toEqual(["2026-03-11T10:00:00", "2026-03-16T10:00:00", "2026-03-23T10:00:00"]);
  });

  it("expands a series without end in any range, years ahead", async () => {
    const id = await calendar("Forever", "Australia/Sydney");
    await cal.createAppointment(id, { title: "Weekly sync", start: "2026-01-05T09:00", duration_minutes: 30, rrule: "FREQ=WEEKLY;BYDAY=MO" });
    // Sydney leaves daylight time on 4 April 2027 (AEDT +11 to AEST +10).
    expect(await occurrences(id, "2027-03-29", "2027-04-05")).toEqual([
      ["2027-03-29T09:00:00", "2027-03-28T22:00:00Z"],
      ["2027-04-05T09:00:00", "2027-04-04T23:00:00Z"],
    ]);
  });
});

describe("conflicts across daylight saving changes", () => {
  it("a conflict that exists only after the EU switch: booking is refused, naming the first one", async () => {
    const id = await calendar("After the switch");
    // 10:00 Berlin is 09:00 UTC in winter (touching 08:00-09:00 UTC, not overlapping) and 08:00 UTC in summer.
    await cal.createAppointment(id, { title: "Berlin stand-up", start: "2026-03-16T10:00", duration_minutes: 60, rrule: "FREQ=WEEKLY;BYDAY=MO;COUNT=4" });
    const utcSeries = { title: "UTC ops review", start: "2026-03-16T08:00", duration_minutes: 60, tzid: "UTC", rrule: "FREQ=WEEKLY;BYDAY=MO;COUNT=4" };
    const refused = await cal.call("create_appointment", { params: { id: String(id) }, body: utcSeries });
    expect(refused.status).toBe(409);
    const body = JSON.parse(String(refused.body));
    expect(body.code).toBe("CONFLICT");
    expect(body.error).toMatch(/^"start": the appointment overlaps other appointments in calendar \d+ 2 times; first its occurrence at 2026-03-30T08:00:00 UTC overlaps "Berlin stand-up" \(appointment \d+\) 2026-03-30T10:00:00 to 2026-03-30T11:00:00 Europe\/Berlin; move it, or send "allow_conflicts": true to book it anyway$/);
    expect(body.conflicts.map((c: any) => [c.occurrence.start_utc, c.conflicts_with.start, c.conflicts_with.tzid])).toEqual([
      ["2026-03-30T08:00:00Z", "2026-03-30T10:00:00", "Europe/Berlin"],
      ["2026-04-06T08:00:00Z", "2026-04-06T10:00:00", "Europe/Berlin"],
    ]);
    expect((await cal.occurrences(id, { from: "2026-03-01", to: "2026-04-30" })).map((o) => o.title)).not.toContain("UTC ops review");

    const checked = await cal.json("check_conflicts", { params: { id: String(id) }, body: utcSeries });
    expect(checked.conflict_count).toBe(2);
    const booked = await cal.createAppointment(id, { ...utcSeries, allow_conflicts: true });
    expect(booked.conflicts).toHaveLength(2);
    const listed = await cal.json("list_conflicts", { params: { id: String(id) }, query: { from: "2026-03-01", to: "2026-04-30" } });
    expect(listed.conflicts.map((c: any) => c.occurrence.start_utc)).toEqual(["2026-03-30T08:00:00Z", "2026-04-06T08:00:00Z"]);
  });

  it("Berlin 15:00 and New York 09:00 on Mondays collide except in the weeks between the US and EU changes", async () => {
    const id = await calendar("Two zones");
    await cal.createAppointment(id, { title: "Berlin review", start: "2026-02-23T15:00", duration_minutes: 60, rrule: "FREQ=WEEKLY;BYDAY=MO" });
    await cal.createAppointment(id, { title: "New York sync", tzid: "America/New_York", start: "2026-02-23T09:00", duration_minutes: 60, rrule: "FREQ=WEEKLY;BYDAY=MO", allow_conflicts: true });
    const conflictDays = async (from: string, to: string) =>
      (await cal.json("list_conflicts", { params: { id: String(id) }, query: { from, to } })).conflicts.map((c: any) => c.occurrence.start_utc.slice(0, 10));
    expect(await conflictDays("2026-02-23", "2026-04-12")).toEqual(["2026-02-23", "2026-03-02", "2026-03-30", "2026-04-06"]);
    expect(await conflictDays("2026-10-12", "2026-11-15")).toEqual(["2026-10-12", "2026-10-19", "2026-11-02", "2026-11-09"]);
  });

  it("a change that would create a conflict is refused like a booking", async () => {
    const id = await calendar("Edits");
    await cal.createAppointment(id, { title: "Fixed", start: "2026-04-01T10:00", duration_minutes: 60 });
    const movable = await cal.createAppointment(id, { title: "Movable", start: "2026-04-01T12:00", duration_minutes: 60 });
    const res = await cal.call("update_appointment", { method: "PATCH", params: { id: String(movable.id) }, body: { start: "2026-04-01T10:30" } });
    expect(res.status).toBe(409);
    // Touching is not overlapping; an appointment never conflicts with itself.
    const ok = await cal.json("update_appointment", { method: "PATCH", params: { id: String(movable.id) }, body: { start: "2026-04-01T11:00" } });
    expect(ok.conflicts).toEqual([]);
  });
});

describe("free slots", () => {
  it("on the spring DST day a 00:00-06:00 window has no 02:00 slot", async () => {
    const id = await calendar("Night desk");
    const query = { from: "2026-03-29", to: "2026-03-29", day_start: "00:00", day_end: "06:00", slot_minutes: "60", weekdays: "SU" };
    const slots = async () => (await cal.json("free_slots", { params: { id: String(id) }, query })).days[0].slots.map((s: any) => [s.start, s.start_utc]);
    expect(await slots()).toEqual([
      ["00:00", "2026-03-28T23:00:00Z"],
      ["01:00", "2026-03-29T00:00:00Z"],
      ["03:00", "2026-03-29T01:00:00Z"],
      ["04:00", "2026-03-29T02:00:00Z"],
      ["05:00", "2026-03-29T03:00:00Z"],
    ]);
    await cal.createAppointment(id, { title: "Maintenance", start: "2026-03-29T03:00", duration_minutes: 60 });
    expect((await slots()).map(([local]: string[]) => local)).toEqual(["00:00", "01:00", "04:00", "05:00"]);
  });

  it("on the autumn DST day the same window has 02:00 twice", async () => {
    const id = await calendar("Night desk autumn");
    const res = await cal.json("free_slots", { params: { id: String(id) }, query: { from: "2026-10-25", day_start: "00:00", day_end: "06:00", slot_minutes: "60", weekdays: "SU" } });
    expect(res.days[0].slots.map((s: any) => s.start)).toEqual(["00:00", "01:00", "02:00", "02:00", "03:00", "04:00", "05:00"]);
  });

  it("leaves out what is booked, in any zone, on working days in working hours", async () => {
    const id = await calendar("Bookable");
    await cal.createAppointment(id, { title: "Stand-up", start: "2026-03-23T10:00", duration_minutes: 60, rrule: "FREQ=WEEKLY;BYDAY=MO" });
    // 05:00 in New York is 11:00 in Berlin once both are on daylight time (30 March).
    await cal.createAppointment(id, { title: "NY early call", tzid: "America/New_York", start: "2026-03-30T05:00", duration_minutes: 30 });
    const res = await cal.json("free_slots", { params: { id: String(id) }, query: { from: "2026-03-28", to: "2026-03-30", day_start: "09:00", day_end: "12:00" } });
    expect(res).toMatchObject({ tz: "Europe/Berlin", slot_minutes: 30, day_start: "09:00", day_end: "12:00" });
    // Weekends are left out by default (weekdays=MO,TU,WE,TH,FR).
    expect(res.days.map((d: any) => d.date)).toEqual(["2026-03-30"]);
    expect(res.days[0].slots.map((s: any) => `${s.start}-${s.end}`)).toEqual(["09:00-09:30", "09:30-10:00", "11:30-12:00"]);
  });

  it("shows the slots in another zone on request", async () => {
    const id = await calendar("Viewed from New York");
    const res = await cal.json("free_slots", { params: { id: String(id) }, query: { from: "2026-03-30", day_start: "09:00", day_end: "10:00", slot_minutes: "60", tz: "America/New_York" } });
    expect(res.days[0].slots).toEqual([{ start: "09:00", end: "10:00", start_utc: "2026-03-30T13:00:00Z", end_utc: "2026-03-30T14:00:00Z" }]);
  });
});
