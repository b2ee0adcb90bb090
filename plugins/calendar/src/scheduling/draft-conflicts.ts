/** The conflicts a new or changed appointment would have with the rest of its calendar. */
import { draftSeries, type AppointmentDraft } from "../appointments/appointment.js";
import { firstOccurrence, seriesEnd } from "../recurrence/series.js";
import { listAppointmentsTouching } from "../store/appointments.js";
import { DAY_MS, formatInstant } from "../time/local-time.js";
import { expandDraft, expandRows } from "./busy-time.js";
import { conflictsOf, type Conflict } from "./conflicts.js";

/**
 * Checks the draft's occurrences from its first (for a series that began in the past: from now)
 * up to its end, or `horizonDays` ahead for a series without end. `appointmentId` is the
 * appointment being changed, which does not conflict with itself.
 */
export function draftConflicts(draft: AppointmentDraft, calendarId: number, appointmentId: number | null, horizonDays: number): Conflict[] {
  const series = draftSeries(draft);
  const first = firstOccurrence(series);
  const from = series.rule === null ? first.start : Math.max(first.start, Date.now());
  const to = Math.min(seriesEnd(series) ?? Number.POSITIVE_INFINITY, from + horizonDays * DAY_MS);
  if (to <= from) return [];
  const others = listAppointmentsTouching([calendarId], formatInstant(from), formatInstant(to)).filter((row) => row.id !== appointmentId);
  if (others.length === 0) return [];
  return conflictsOf(expandDraft(draft, appointmentId, calendarId, from, to), expandRows(others, from, to));
}
