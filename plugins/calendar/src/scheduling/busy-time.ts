/** Stored appointments expanded into the occurrences that fall in a window, with what callers show of them. */
import { draftSeries, rowSeries, type AppointmentDraft } from "../appointments/appointment.js";
import { occurrencesBetween, type Occurrence, type Series } from "../recurrence/series.js";
import type { AppointmentRow } from "../store/appointments.js";
import { formatInstant, formatLocalDate, formatLocalDateTime } from "../time/local-time.js";

export interface BusyOccurrence extends Occurrence {
  /** null for an appointment that is not stored yet (a conflict check). */
  appointmentId: number | null;
  calendarId: number | null;
  title: string;
  tzid: string;
  allDay: boolean;
  recurring: boolean;
  ticketId: number | null;
}

const byStart = (a: BusyOccurrence, b: BusyOccurrence) => a.start - b.start || a.end - b.end || (a.appointmentId ?? 0) - (b.appointmentId ?? 0);

function expand(series: Series, info: Omit<BusyOccurrence, keyof Occurrence | "recurring">, from: number, to: number): BusyOccurrence[] {
  return occurrencesBetween(series, from, to).map((o) => ({ ...info, ...o, recurring: series.rule !== null }));
}

/** The occurrences of stored appointments that overlap [from, to), sorted by start. */
export function expandRows(rows: readonly AppointmentRow[], from: number, to: number): BusyOccurrence[] {
  return rows
    .flatMap((row) =>
      expand(rowSeries(row), { appointmentId: row.id, calendarId: row.calendar_id, title: row.title, tzid: row.tzid, allDay: row.all_day === 1, ticketId: row.ticket_id }, from, to),
    )
    .sort(byStart);
}

/** The occurrences of a draft that overlap [from, to), sorted by start. */
export function expandDraft(draft: AppointmentDraft, appointmentId: number | null, calendarId: number, from: number, to: number): BusyOccurrence[] {
  return expand(draftSeries(draft), { appointmentId, calendarId, title: draft.title, tzid: draft.zone.id, allDay: draft.allDay, ticketId: draft.ticketId }, from, to);
}

/** An occurrence as the API shows it: wall clock in its zone, and instants. */
export function occurrenceJSON(o: BusyOccurrence) {
  const wall = o.allDay ? formatLocalDate : formatLocalDateTime;
  return {
    appointment_id: o.appointmentId,
    title: o.title,
    all_day: o.allDay,
    tzid: o.tzid,
    start: wall(o.localStart),
    end: wall(o.localEnd),
    start_utc: formatInstant(o.start),
    end_utc: formatInstant(o.end),
    recurring: o.recurring,
    ticket_id: o.ticketId,
  };
}
