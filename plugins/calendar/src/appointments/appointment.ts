/**
 * An appointment in its three shapes: the validated draft (what the routes and the importer
 * produce), the stored row, and the JSON the API answers with. Times are wall clock in the
 * appointment's `tzid`, plus instants where a client needs them.
 */
import { formatRecurrenceRule, parseRecurrenceRule, type RecurrenceRule } from "../recurrence/recurrence-rule.js";
import { firstOccurrence, seriesEnd, type Series } from "../recurrence/series.js";
import type { AppointmentFields, AppointmentRow } from "../store/appointments.js";
import type { TicketSummary } from "../store/core-tables.js";
import { formatInstant, formatLocalDate, formatLocalDateTime, parseLocalDateTime } from "../time/local-time.js";
import { UTC, findTimeZone, type TimeZone } from "../time/time-zones.js";

export interface AppointmentDraft {
  /** null: a new one is made. */
  uid: string | null;
  title: string;
  description: string;
  location: string;
  allDay: boolean;
  zone: TimeZone;
  /** Wall clock in `zone` (local-time.ts values); for all-day appointments midnights, `end` exclusive. */
  start: number;
  end: number;
  rule: RecurrenceRule | null;
  exdates: number[];
  ticketId: number | null;
  ownerUserId: number | null;
  reminderMinutes: number | null;
}

export function draftSeries(draft: AppointmentDraft): Series {
  return { zone: draft.zone, allDay: draft.allDay, start: draft.start, end: draft.end, rule: draft.rule, exdates: draft.exdates };
}

/** The series of a stored appointment. */
export function rowSeries(row: AppointmentRow): Series {
  return {
    zone: findTimeZone(row.tzid) ?? UTC,
    allDay: row.all_day === 1,
    start: parseLocalDateTime(row.start_local)!,
    end: parseLocalDateTime(row.end_local)!,
    rule: row.rrule === null ? null : parseRecurrenceRule(row.rrule),
    exdates: splitExdates(row.exdates).map((text) => parseLocalDateTime(text)!),
  };
}

function splitExdates(text: string | null): string[] {
  return text === null || text === "" ? [] : text.split(",");
}

/** A fresh iCalendar UID: unique enough across calendars and hosts without a clock or counter to share. */
export function newUid(): string {
  const random = Array.from({ length: 4 }, () => Math.floor(Math.random() * 0x10000).toString(16).padStart(4, "0")).join("");
  return `${Date.now().toString(36)}-${random}@calendar.goatkit`;
}

/** The row to store for a draft. */
export function draftFields(draft: AppointmentDraft, calendarId: number): AppointmentFields {
  const series = draftSeries(draft);
  const first = firstOccurrence(series);
  const end = seriesEnd(series);
  return {
    calendar_id: calendarId,
    uid: draft.uid ?? newUid(),
    title: draft.title,
    description: draft.description === "" ? null : draft.description,
    location: draft.location === "" ? null : draft.location,
    all_day: draft.allDay ? 1 : 0,
    tzid: draft.zone.id,
    start_local: formatLocalDateTime(draft.start),
    end_local: formatLocalDateTime(draft.end),
    start_utc: formatInstant(first.start),
    end_utc: formatInstant(first.end),
    rrule: draft.rule === null ? null : formatRecurrenceRule(draft.rule),
    exdates: draft.exdates.length === 0 ? null : draft.exdates.map(formatLocalDateTime).join(","),
    series_end_utc: end === null ? null : formatInstant(end),
    ticket_id: draft.ticketId,
    owner_user_id: draft.ownerUserId,
    reminder_minutes: draft.reminderMinutes,
  };
}

/** Formats a wall-clock value as the API writes it: a date for all-day appointments, else a date-time. */
export function formatWallClock(local: number, allDay: boolean): string {
  return allDay ? formatLocalDate(local) : formatLocalDateTime(local);
}

/**
 * The fields of a stored appointment as a client writes them, so a PATCH can be applied on top
 * and validated like a new appointment.
 */
export function appointmentInput(row: AppointmentRow): Record<string, unknown> {
  const allDay = row.all_day === 1;
  const wall = (text: string) => formatWallClock(parseLocalDateTime(text)!, allDay);
  return {
    uid: row.uid,
    title: row.title,
    description: row.description ?? "",
    location: row.location ?? "",
    all_day: allDay,
    tzid: row.tzid,
    start: wall(row.start_local),
    end: wall(row.end_local),
    rrule: row.rrule,
    exdates: splitExdates(row.exdates).map(wall),
    ticket_id: row.ticket_id,
    owner_user_id: row.owner_user_id,
    reminder_minutes: row.reminder_minutes,
  };
}

/** The API's JSON for an appointment (the series, not one occurrence). */
export function appointmentJSON(row: AppointmentRow, ticket: TicketSummary | null) {
  return {
    id: row.id,
    calendar_id: row.calendar_id,
    ...appointmentInput(row),
    start_utc: row.start_utc,
    end_utc: row.end_utc,
    series_end_utc: row.series_end_utc,
    ticket: ticket === null ? null : { id: ticket.id, tn: ticket.tn, title: ticket.title },
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
