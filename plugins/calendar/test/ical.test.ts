import ICAL from "ical.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CalendarHost } from "./support/calendar-host.js";

// The feed is read with ical.js, an independent RFC 5545 implementation: its parse, its
// VTIMEZONE handling (of the zones the plugin writes) and its recurrence expansion must agree
// with the plugin's own occurrences.
let cal: CalendarHost;
let source: number;
let feed: string;

const DESCRIPTION = "Agenda: backlog, escalations; on-call\\rota.\nBring the Q1 numbers — Ünïcödé 🐐 included, and a long sentence to force folding across several lines.";
const WINDOW = { from: "2026-03-01T00:00:00Z", to: "2026-07-01T00:00:00Z" };

beforeAll(async () => {
  cal = await CalendarHost.open("2026-03-01T08:00:00Z");
  source = (await cal.createCalendar({ name: "Support, Berlin; 2nd level", timezone: "Europe/Berlin" })).id;
  const book = (body: Record<string, unknown>) => cal.createAppointment(source, { ...body, allow_conflicts: true });
  await book({ title: "Weekly planning", start: "2026-03-16T09:00", duration_minutes: 60, rrule: "FREQ=WEEKLY;BYDAY=MO;COUNT=6", exdates: ["2026-04-06T09:00"], description: DESCRIPTION, location: "Room 4, 2nd floor", ticket_id: 4, reminder_minutes: 30 });
  await book({ title: "Month-end review (NY)", tzid: "America/New_York", start: "2026-03-27T16:00", duration_minutes: 90, rrule: "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3" });
  await book({ title: "Release window", tzid: "UTC", start: "2026-04-15T22:00", end: "2026-04-16T02:00" });
  await book({ title: "Team offsite", all_day: true, start: "2026-05-04", end: "2026-05-06", reminder_minutes: null });
  await book({ title: "Backup check", start: "2026-03-27T08:00", duration_minutes: 15, rrule: "FREQ=DAILY;INTERVAL=2;UNTIL=20260404T060000Z", exdates: ["2026-03-31T08:00"] });
  await book({ title: "Sydney sync", tzid: "Australia/Sydney", start: "2026-03-30T08:00", duration_minutes: 30, rrule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=6" });
  feed = await exportFeed(source);
});
afterAll(() => cal.close());

async function exportFeed(calendarId: number): Promise<string> {
  const res = await cal.call("export_ical", { params: { id: String(calendarId) } });
  expect(res.status).toBe(200);
  expect(res.headers["content-type"]).toBe("text/calendar; charset=utf-8");
  expect(res.headers["content-disposition"]).toBe(`attachment; filename="calendar-${calendarId}.ics"`);
  return String(res.body);
}

/** The feed's events as ical.js reads them, with their occurrences in WINDOW (UTC). */
function readWithIcalJs(text: string) {
  const root = new ICAL.Component(ICAL.parse(text));
  for (const zone of root.getAllSubcomponents("vtimezone")) ICAL.TimezoneService.register(zone);
  const end = ICAL.Time.fromDateTimeString(WINDOW.to);
  return {
    root,
    events: root.getAllSubcomponents("vevent").map((component) => {
      const event = new ICAL.Event(component);
      const starts: string[] = [];
      const iterator = event.iterator();
      for (let next = iterator.next(); next && next.compare(end) < 0; next = iterator.next()) {
        starts.push(new Date(next.toUnixTime() * 1000).toISOString().replace(".000Z", "Z"));
      }
      return { event, component, starts };
    }),
  };
}

/** The plugin's occurrences in WINDOW, by title. */
async function pluginStarts(calendarId: number): Promise<Map<string, string[]>> {
  const byTitle = new Map<string, string[]>();
  for (const o of await cal.occurrences(calendarId, WINDOW)) byTitle.set(o.title, [...(byTitle.get(o.title) ?? []), o.start_utc]);
  return byTitle;
}

/** VEVENT blocks (unfolded) without the properties an import rewrites (timestamps). */
function eventBlocks(text: string): string[] {
  const lines = text.replace(/\r\n[ \t]/g, "").split("\r\n");
  const blocks: string[] = [];
  let current: string[] | null = null;
  for (const line of lines) {
    if (line === "BEGIN:VEVENT") current = [];
    else if (line === "END:VEVENT") {
      blocks.push(current!.join("\n"));
      current = null;
    } else if (current && !/^(DTSTAMP|CREATED|LAST-MODIFIED):/.test(line)) current.push(line);
  }
  return blocks;
}

describe("the iCalendar feed", () => {
  it("uses CRLF, folds lines at 75 octets without splitting a character, and escapes text", () => {
    expect(feed.endsWith("\r\n")).toBe(true);
    expect(feed.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
    const physical = feed.split("\r\n").slice(0, -1);
    const utf8 = new TextDecoder("utf-8", { fatal: true });
    for (const line of physical) {
      const bytes = Buffer.from(line, "utf8");
      expect(bytes.length, line).toBeLessThanOrEqual(75);
      expect(utf8.decode(bytes)).toBe(line);
    }
    expect(physical.some((line) => line.startsWith(" "))).toBe(true);
    const unfolded = feed.replace(/\r\n /g, "");
    expect(unfolded).toContain("\r\nDESCRIPTION:Agenda: backlog\\, escalations\\; on-call\\\\rota.\\nBring the Q1 numbers");
    expect(unfolded).toContain("\r\nX-WR-CALNAME:Support\\, Berlin\\; 2nd level\r\n");
    expect(unfolded).toContain("\r\nLOCATION:Room 4\\, 2nd floor\r\n");
  });

  it("parses with ical.js: one VTIMEZONE per zone used, and every event's fields", () => {
    const { root, events } = readWithIcalJs(feed);
    expect(root.getFirstPropertyValue("version")).toBe("2.0");
    expect(root.getFirstPropertyValue("prodid")).toBe("-//GoatKit//Calendar & Appointments 0.1.0//EN");
    expect(root.getAllSubcomponents("vtimezone").map((z) => z.getFirstPropertyValue("tzid")).sort()).toEqual(["America/New_York", "Australia/Sydney", "Europe/Berlin"]);
    expect(events).toHaveLength(6);

    const planning = events[0]!;
    expect(planning.event.uid).toMatch(/@calendar\.goatkit$/);
    expect(planning.event.summary).toBe("Weekly planning");
    expect(planning.event.description).toBe(DESCRIPTION);
    expect(planning.event.location).toBe("Room 4, 2nd floor");
    expect(planning.component.getFirstProperty("dtstart")!.getParameter("tzid")).toBe("Europe/Berlin");
    expect(planning.event.startDate.toString()).toBe("2026-03-16T09:00:00");
    expect(planning.event.endDate.toString()).toBe("2026-03-16T10:00:00");
    expect(planning.component.getFirstPropertyValue("rrule")!.toString()).toBe("FREQ=WEEKLY;COUNT=6;BYDAY=MO");
    expect(planning.component.getFirstProperty("exdate")!.getFirstValue()!.toString()).toBe("2026-04-06T09:00:00");
    expect(planning.component.getFirstPropertyValue("x-goatkit-ticket-id")).toBe("4");
    expect(planning.component.getFirstSubcomponent("valarm")!.getFirstPropertyValue("trigger")!.toString()).toBe("-PT30M");

    const release = events[2]!;
    expect(release.event.startDate.toString()).toBe("2026-04-15T22:00:00Z");
    const offsite = events[3]!;
    expect(offsite.event.startDate.isDate).toBe(true);
    expect([offsite.event.startDate.toString(), offsite.event.endDate.toString()]).toEqual(["2026-05-04", "2026-05-06"]);
    expect(offsite.component.getFirstSubcomponent("valarm")).toBeNull();
  });

  it("ical.js expands every series to the same instants as the plugin (its VTIMEZONEs included)", async () => {
    const { events } = readWithIcalJs(feed);
    const plugin = await pluginStarts(source);
    for (const { event, starts } of events) {
      if (event.startDate.isDate) continue;
      expect(starts, event.summary).toEqual(plugin.get(event.summary));
    }
    expect(plugin.get("Weekly planning")).toEqual(["2026-03-16T08:00:00Z", "2026-03-23T08:00:00Z", "2026-03-30T07:00:00Z", "2026-04-13T07:00:00Z", "2026-04-20T07:00:00Z"]);
  });

  it("round-trips through import: export, import into another calendar, export again gives the same events", async () => {
    const copy = (await cal.createCalendar({ name: "Copy", timezone: "Europe/Berlin" })).id;
    const imported = await cal.json("import_ical", { method: "POST", params: { id: String(copy) }, body: feed });
    expect(imported).toEqual({ calendar_id: copy, imported: 6, updated: 0, skipped: [], warnings: [] });
    const again = await exportFeed(copy);
    expect(eventBlocks(again)).toEqual(eventBlocks(feed));
    expect(readWithIcalJs(again).events.map((e) => e.starts)).toEqual(readWithIcalJs(feed).events.map((e) => e.starts));
    expect(await pluginStarts(copy)).toEqual(await pluginStarts(source));

    // Importing the same file again updates by UID instead of duplicating.
    const twice = await cal.json("import_ical", { method: "POST", params: { id: String(copy) }, body: again });
    expect(twice).toMatchObject({ imported: 0, updated: 6, skipped: [] });
    expect(eventBlocks(await exportFeed(copy))).toEqual(eventBlocks(feed));
  });
});

describe("importing an .ics from elsewhere", () => {
  const FOREIGN = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Example Corp//Mail Client//EN",
    "BEGIN:VTIMEZONE",
    "TZID:W. Europe Standard Time",
    "BEGIN:STANDARD",
    "DTSTART:16010101T030000",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "END:STANDARD",
    "END:VTIMEZONE",
    "BEGIN:VEVENT",
    "UID:floating-1@example.com",
    "DTSTART:20260410T140000",
    "DTEND:20260410T150000",
    "SUMMARY:Floating time\\, read in the calendar's zone",
    "DESCRIPTION:Line one\\nLine two with a folded",
    "  continuation",
    "END:VEVENT",
    "BEGIN:VEVENT",
    "UID:utc-1@example.com",
    "DTSTART:20260410T120000Z",
    "DURATION:PT45M",
    "SUMMARY:UTC with a duration",
    "BEGIN:VALARM",
    "ACTION:DISPLAY",
    "TRIGGER;RELATED=END:PT0M",
    "END:VALARM",
    "END:VEVENT",
    "BEGIN:VEVENT",
    "UID:allday-1@example.com",
    "DTSTART;VALUE=DATE:20260501",
    "SUMMARY:Public holiday",
    "END:VEVENT",
    "BEGIN:VEVENT",
    "UID:ny-1@example.com",
    'DTSTART;TZID="America/New_York":20260302T090000',
    'DTEND;TZID="America/New_York":20260302T093000',
    "RRULE:FREQ=WEEKLY;COUNT=3",
    "EXDATE:20260309T130000Z",
    "X-GOATKIT-TICKET-ID:99999",
    "SUMMARY:New York stand-up",
    "END:VEVENT",
    "BEGIN:VEVENT",
    "UID:ny-1@example.com",
    "RECURRENCE-ID;TZID=America/New_York:20260316T090000",
    "DTSTART;TZID=America/New_York:20260316T100000",
    "DTEND;TZID=America/New_York:20260316T103000",
    "SUMMARY:New York stand-up (moved)",
    "END:VEVENT",
    "BEGIN:VEVENT",
    "UID:cancelled-1@example.com",
    "DTSTART:20260411T100000Z",
    "DTEND:20260411T110000Z",
    "STATUS:CANCELLED",
    "SUMMARY:Called off",
    "END:VEVENT",
    "BEGIN:VEVENT",
    "UID:windows-1@example.com",
    "DTSTART;TZID=W. Europe Standard Time:20260412T100000",
    "DTEND;TZID=W. Europe Standard Time:20260412T110000",
    "SUMMARY:Windows zone name",
    "END:VEVENT",
    "BEGIN:VEVENT",
    "UID:hourly-1@example.com",
    "DTSTART:20260413T100000Z",
    "DTEND:20260413T101500Z",
    "RRULE:FREQ=DAILY;BYHOUR=10,14",
    "SUMMARY:Twice a day",
    "END:VEVENT",
    "BEGIN:VEVENT",
    "DTSTART:20260414T100000Z",
    "DTEND:20260414T101500Z",
    "SUMMARY:No UID",
    "END:VEVENT",
    "END:VCALENDAR",
    "",
  ].join("\n");

  it("imports what it can, and says what it skipped or changed and why", async () => {
    const id = (await cal.createCalendar({ name: "Imported", timezone: "Europe/Berlin" })).id;
    const result = await cal.json("import_ical", { method: "POST", params: { id: String(id) }, body: FOREIGN });
    expect(result.imported).toBe(5);
    expect(result.updated).toBe(0);
    expect(result.skipped).toEqual([
      { uid: "ny-1@example.com", reason: "it changes one occurrence of a series (RECURRENCE-ID); only whole series are imported" },
      { uid: "cancelled-1@example.com", reason: "the event is cancelled (STATUS:CANCELLED)" },
      { uid: "windows-1@example.com", reason: 'its DTSTART uses TZID "W. Europe Standard Time", which this plugin does not support (GET /api/plugins/calendar/time-zones lists the zones)' },
      { uid: "hourly-1@example.com", reason: expect.stringContaining('invalid appointment: "rrule" BYHOUR is not supported') },
    ]);
    expect(result.warnings).toEqual([
      { uid: "utc-1@example.com", warning: 'its alarm TRIGGER "PT0M" is not a time up to 7 days before the start; the reminder was left out' },
      { uid: "ny-1@example.com", warning: "ticket 99999 does not exist here; the link was left out" },
    ]);

    const occurrences = await cal.occurrences(id, { from: "2026-03-01", to: "2026-05-31" });
    const view = occurrences.map((o) => [o.title, o.tzid, o.start, o.start_utc]);
    expect(view).toEqual([
      ["New York stand-up", "America/New_York", "2026-03-02T09:00:00", "2026-03-02T14:00:00Z"],
      ["New York stand-up", "America/New_York", "2026-03-16T09:00:00", "2026-03-16T13:00:00Z"],
      ["UTC with a duration", "UTC", "2026-04-10T12:00:00", "2026-04-10T12:00:00Z"],
      ["Floating time, read in the calendar's zone", "Europe/Berlin", "2026-04-10T14:00:00", "2026-04-10T12:00:00Z"],
      ["No UID", "UTC", "2026-04-14T10:00:00", "2026-04-14T10:00:00Z"],
      ["Public holiday", "Europe/Berlin", "2026-05-01", "2026-04-30T22:00:00Z"],
    ]);
    const floating = await cal.json("get_appointment", { params: { id: String(occurrences[3].appointment_id) } });
    expect(floating).toMatchObject({ uid: "floating-1@example.com", description: "Line one\nLine two with a folded continuation", reminder_minutes: null });
    expect(occurrences[2].end_utc).toBe("2026-04-10T12:45:00Z");
    expect(occurrences[5].end).toBe("2026-05-02");
  });

  it("refuses a body that is not iCalendar", async () => {
    const id = (await cal.createCalendar({ name: "Nothing", timezone: "UTC" })).id;
    const res = await cal.call("import_ical", { method: "POST", params: { id: String(id) }, body: '{"events": []}' });
    expect(res.status).toBe(400);
    expect(res.error).toEqual({ code: "BAD_ICALENDAR", message: "the body is not an iCalendar object: it must start with BEGIN:VCALENDAR (send the .ics file as the request body)" });
    const cut = await cal.call("import_ical", { method: "POST", params: { id: String(id) }, body: "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\n" });
    expect(cut.error?.message).toBe("the iCalendar object is cut short: END:VEVENT is missing");
  });
});
