/**
 * A calendar as an iCalendar object (RFC 5545): VTIMEZONEs for the zones in use, and one VEVENT
 * per appointment with its recurrence, exceptions, reminder (VALARM) and ticket link. The
 * importer reads back everything written here, so export, import and export again gives the
 * same events.
 */
import { rowSeries } from "../appointments/appointment.js";
import type { AppointmentRow } from "../store/appointments.js";
import type { CalendarRow } from "../store/calendars.js";
import { formatIcalDate, formatIcalLocal, formatIcalUtc, parseInstant } from "../time/local-time.js";
import { UTC, findTimeZone, type TimeZone } from "../time/time-zones.js";
import { contentLine, escapeText, serializeLines } from "./content-line.js";
import { OWNER_PROPERTY, TICKET_PROPERTY } from "./goatkit-properties.js";
import { vtimezoneLines } from "./vtimezone.js";

export const PRODUCT_ID = "-//GoatKit//Calendar & Appointments 0.1.0//EN";

/** DTSTART, DTEND or EXDATE: a DATE for all-day, UTC with `Z` for the UTC zone, else local with TZID. */
function timeProperty(name: string, locals: readonly number[], zone: TimeZone, allDay: boolean): string {
  if (allDay) return contentLine(name, locals.map(formatIcalDate).join(","), { VALUE: "DATE" });
  if (zone === UTC) return contentLine(name, locals.map(formatIcalUtc).join(","));
  return contentLine(name, locals.map(formatIcalLocal).join(","), { TZID: zone.id });
}

const stamp = (iso: string) => formatIcalUtc(parseInstant(iso)!);

function eventLines(row: AppointmentRow): string[] {
  const series = rowSeries(row);
  const lines = [
    "BEGIN:VEVENT",
    contentLine("UID", row.uid),
    contentLine("DTSTAMP", stamp(row.updated_at)),
    contentLine("CREATED", stamp(row.created_at)),
    contentLine("LAST-MODIFIED", stamp(row.updated_at)),
    timeProperty("DTSTART", [series.start], series.zone, series.allDay),
    timeProperty("DTEND", [series.end], series.zone, series.allDay),
  ];
  if (row.rrule !== null) lines.push(contentLine("RRULE", row.rrule));
  if (series.exdates.length > 0) lines.push(timeProperty("EXDATE", series.exdates, series.zone, series.allDay));
  lines.push(contentLine("SUMMARY", escapeText(row.title)));
  if (row.description !== null) lines.push(contentLine("DESCRIPTION", escapeText(row.description)));
  if (row.location !== null) lines.push(contentLine("LOCATION", escapeText(row.location)));
  if (row.ticket_id !== null) lines.push(contentLine(TICKET_PROPERTY, String(row.ticket_id)));
  if (row.owner_user_id !== null) lines.push(contentLine(OWNER_PROPERTY, String(row.owner_user_id)));
  if (row.reminder_minutes !== null) {
    lines.push("BEGIN:VALARM", "ACTION:DISPLAY", contentLine("DESCRIPTION", escapeText(row.title)), contentLine("TRIGGER", `-PT${row.reminder_minutes}M`), "END:VALARM");
  }
  lines.push("END:VEVENT");
  return lines;
}

/** The feed's text, CRLF line ends and folding included. */
export function calendarFeed(calendar: CalendarRow, appointments: readonly AppointmentRow[]): string {
  const zones = new Map<string, TimeZone>();
  for (const row of appointments) {
    const zone = findTimeZone(row.tzid);
    if (zone !== null && zone !== UTC && row.all_day !== 1) zones.set(zone.id, zone);
  }
  const lines = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    contentLine("PRODID", PRODUCT_ID),
    "CALSCALE:GREGORIAN",
    contentLine("X-WR-CALNAME", escapeText(calendar.name)),
    contentLine("X-WR-TIMEZONE", calendar.timezone),
    ...[...zones.values()].flatMap(vtimezoneLines),
    ...appointments.flatMap(eventLines),
    "END:VCALENDAR",
  ];
  return serializeLines(lines);
}
