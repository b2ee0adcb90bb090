/**
 * Reads the VEVENTs of an iCalendar body into appointment input (the JSON a client would POST),
 * which the import route then validates like any other appointment. What an appointment
 * cannot hold is reported, never silently dropped: cancelled events and modified occurrences
 * (RECURRENCE-ID) are skipped with a reason, RDATE and unusable alarms become warnings.
 *
 * Times: DTSTART with TZID keeps that zone (it must be one the plugin supports), a UTC DTSTART
 * (`...Z`) becomes zone UTC, and a floating one (neither) the calendar's zone. DTEND and EXDATE
 * in another zone are converted to DTSTART's.
 */
import { DAY_MS, MINUTE_MS, formatLocalDate, formatLocalDateTime, parseIcalDate, parseIcalDateTime } from "../time/local-time.js";
import { UTC, findTimeZone, localToUtc, utcToLocal, type TimeZone } from "../time/time-zones.js";
import { parseContentLine, unescapeText, unfold, type ContentLine } from "./content-line.js";
import { OWNER_PROPERTY, TICKET_PROPERTY } from "./goatkit-properties.js";

export interface ImportedEvent {
  /** The UID, or null when the event has none (the route makes one). */
  uid: string | null;
  /** Appointment input, or null when the event is skipped. */
  input: Record<string, unknown> | null;
  skipReason: string | null;
  warnings: string[];
}

/** A problem with the body as a whole. */
export class IcalendarError extends Error {
  override name = "IcalendarError";
}

interface RawEvent {
  properties: ContentLine[];
  alarms: ContentLine[][];
}

type IcalTime = { allDay: true; local: number } | { allDay: false; zone: TimeZone; local: number };

class SkipEvent extends Error {}

const DURATION = /^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** Signed minutes of an iCalendar DURATION (`-PT15M`, `P1D`), or null. */
export function parseDurationMinutes(text: string): number | null {
  const m = DURATION.exec(text.trim());
  if (!m || text.trim() === "P" || text.trim().endsWith("T")) return null;
  const minutes = (+(m[2] ?? 0) * 7 + +(m[3] ?? 0)) * 1440 + +(m[4] ?? 0) * 60 + +(m[5] ?? 0) + +(m[6] ?? 0) / 60;
  return m[1] === "-" ? -minutes : minutes;
}

/** The VEVENTs of `body`; throws IcalendarError when it is not an iCalendar object. */
export function readEvents(body: string, calendarZone: TimeZone): ImportedEvent[] {
  const lines = unfold(body.replace(/^\uFEFF/, ""));
  if (lines[0]?.trim().toUpperCase() !== "BEGIN:VCALENDAR") {
    throw new IcalendarError("the body is not an iCalendar object: it must start with BEGIN:VCALENDAR (send the .ics file as the request body)");
  }
  const raw: RawEvent[] = [];
  const stack: string[] = [];
  let event: RawEvent | null = null;
  let alarm: ContentLine[] | null = null;
  for (const text of lines) {
    const line = parseContentLine(text);
    if (line === null) continue;
    if (line.name === "BEGIN") {
      const component = line.value.trim().toUpperCase();
      stack.push(component);
      if (component === "VEVENT" && stack.length === 2) event = { properties: [], alarms: [] };
      else if (component === "VALARM" && event !== null) alarm = [];
    } else if (line.name === "END") {
      const component = stack.pop();
      if (component === "VALARM" && event !== null && alarm !== null) {
        event.alarms.push(alarm);
        alarm = null;
      } else if (component === "VEVENT" && event !== null) {
        raw.push(event);
        event = null;
      }
    } else if (alarm !== null) alarm.push(line);
    else if (event !== null && stack.at(-1) === "VEVENT") event.properties.push(line);
  }
  if (stack.length > 0) throw new IcalendarError(`the iCalendar object is cut short: END:${stack.at(-1)} is missing`);
  return raw.map((e) => convertEvent(e, calendarZone));
}

function convertEvent(event: RawEvent, calendarZone: TimeZone): ImportedEvent {
  const first = (name: string) => event.properties.find((p) => p.name === name) ?? null;
  const uid = first("UID")?.value.trim() || null;
  const warnings: string[] = [];
  const skip = (reason: string): ImportedEvent => ({ uid, input: null, skipReason: reason, warnings });
  try {
    if (first("STATUS")?.value.trim().toUpperCase() === "CANCELLED") return skip("the event is cancelled (STATUS:CANCELLED)");
    if (first("RECURRENCE-ID") !== null) return skip("it changes one occurrence of a series (RECURRENCE-ID); only whole series are imported");
    const dtstart = first("DTSTART");
    if (dtstart === null) return skip("it has no DTSTART");
    const start = readTime(dtstart, calendarZone);
    const zone = start.allDay ? calendarZone : start.zone;
    const wall = (local: number) => (start.allDay ? formatLocalDate(local) : formatLocalDateTime(local));

    const input: Record<string, unknown> = {
      title: unescapeText(first("SUMMARY")?.value ?? "").trim() || "(no title)",
      all_day: start.allDay,
      tzid: zone.id,
      start: wall(start.local),
      reminder_minutes: reminderOf(event.alarms, warnings),
    };
    if (uid !== null) input.uid = uid;
    const description = first("DESCRIPTION");
    if (description !== null && description.value !== "") input.description = unescapeText(description.value);
    const location = first("LOCATION");
    if (location !== null && location.value !== "") input.location = unescapeText(location.value);

    const dtend = first("DTEND");
    const duration = first("DURATION");
    if (dtend !== null) input.end = wall(inZone(readTime(dtend, calendarZone), zone, start.allDay));
    else if (duration !== null) {
      const minutes = parseDurationMinutes(duration.value);
      if (minutes === null || minutes < 0) throw new SkipEvent(`its DURATION "${duration.value}" is not a positive duration such as PT1H`);
      input.end = start.allDay ? wall(start.local + Math.max(1, Math.round(minutes / 1440)) * DAY_MS) : wall(utcToLocal(zone, localToUtc(zone, start.local) + minutes * MINUTE_MS));
    } else input.end = start.allDay ? wall(start.local + DAY_MS) : wall(start.local);

    const rrules = event.properties.filter((p) => p.name === "RRULE");
    if (rrules.length > 1) warnings.push("it has more than one RRULE; the first is used");
    if (rrules.length > 0) input.rrule = rrules[0]!.value;
    const exdates = event.properties.filter((p) => p.name === "EXDATE").flatMap((p) => splitTimes(p).map((t) => wall(inZone(readTime(t, calendarZone), zone, start.allDay))));
    if (exdates.length > 0) input.exdates = exdates;
    if (event.properties.some((p) => p.name === "RDATE")) warnings.push("its RDATE (extra dates) is not supported and was left out");

    const ticket = first(TICKET_PROPERTY);
    if (ticket !== null) input.ticket_id = /^\d+$/.test(ticket.value.trim()) ? Number(ticket.value) : ticket.value;
    const owner = first(OWNER_PROPERTY);
    if (owner !== null) input.owner_user_id = /^\d+$/.test(owner.value.trim()) ? Number(owner.value) : owner.value;
    return { uid, input, skipReason: null, warnings };
  } catch (error) {
    if (error instanceof SkipEvent) return skip(error.message);
    throw error;
  }
}

/** DTSTART, DTEND or one EXDATE value as a time. */
function readTime(line: ContentLine, calendarZone: TimeZone): IcalTime {
  const value = line.value.trim();
  if (line.params.VALUE?.toUpperCase() === "DATE" || /^\d{8}$/.test(value)) {
    const local = parseIcalDate(value);
    if (local === null) throw new SkipEvent(`its ${line.name} "${value}" is not a date (YYYYMMDD)`);
    return { allDay: true, local };
  }
  const parsed = parseIcalDateTime(value);
  if (parsed === null) throw new SkipEvent(`its ${line.name} "${value}" is not a date-time (YYYYMMDDTHHMMSS, with Z for UTC)`);
  if (parsed.utc) return { allDay: false, zone: UTC, local: parsed.value };
  const tzid = line.params.TZID?.replace(/^\//, "");
  if (tzid === undefined) return { allDay: false, zone: calendarZone, local: parsed.value };
  const zone = findTimeZone(tzid);
  if (zone === null) throw new SkipEvent(`its ${line.name} uses TZID "${tzid}", which this plugin does not support (GET /api/plugins/calendar/time-zones lists the zones)`);
  return { allDay: false, zone, local: parsed.value };
}

/** A time as wall clock in `zone` (the event's); dates stay dates. */
function inZone(time: IcalTime, zone: TimeZone, allDay: boolean): number {
  if (time.allDay) return time.local;
  if (allDay) return time.local - (time.local % DAY_MS);
  return time.zone === zone ? time.local : utcToLocal(zone, localToUtc(time.zone, time.local));
}

/** An EXDATE line with several values as one line per value. */
function splitTimes(line: ContentLine): ContentLine[] {
  return line.value.split(",").map((value) => ({ ...line, value }));
}

/** Minutes before the start of the first alarm that fires at or before the start; null when none does. */
function reminderOf(alarms: ContentLine[][], warnings: string[]): number | null {
  for (const alarm of alarms) {
    const trigger = alarm.find((p) => p.name === "TRIGGER");
    if (trigger === undefined) continue;
    const relatedToEnd = trigger.params.RELATED?.toUpperCase() === "END";
    const absolute = trigger.params.VALUE?.toUpperCase() === "DATE-TIME";
    const minutes = absolute || relatedToEnd ? null : parseDurationMinutes(trigger.value);
    if (minutes !== null && minutes <= 0 && -minutes <= 7 * 1440) return Math.round(-minutes);
    warnings.push(`its alarm TRIGGER "${trigger.value}" is not a time up to 7 days before the start; the reminder was left out`);
  }
  return null;
}
