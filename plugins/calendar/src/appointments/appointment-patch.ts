/** A PATCH body applied to a stored appointment, giving the input to validate like a new one. */
import { FieldErrors } from "@goatkit/sdk/guest";
import type { AppointmentRow } from "../store/appointments.js";
import { formatLocalDate, parseLocalDate, parseLocalDateTime } from "../time/local-time.js";
import { UTC, findTimeZone } from "../time/time-zones.js";
import { appointmentInput, formatWallClock } from "./appointment.js";
import { wallClock } from "./appointment-input.js";

/** Fields of the API's answer that a PATCH may repeat unchanged but not change. */
const FIXED_FIELDS = ["id", "calendar_id"] as const;

/**
 * A PATCH applied to the stored appointment: fields not sent keep their value, and moving
 * `start` alone keeps the duration.
 */
export function applyPatch(row: AppointmentRow, patch: Record<string, unknown>): Record<string, unknown> {
  const errors = new FieldErrors();
  for (const field of FIXED_FIELDS) {
    if (patch[field] !== undefined && patch[field] !== row[field]) errors.add(field, `cannot be changed (it is ${row[field]}); create the appointment in the other calendar and delete this one`);
  }
  errors.throwIfAny("appointment");
  const merged: Record<string, unknown> = { ...appointmentInput(row), ...patch };
  const allDay = merged.all_day === true;
  const movesStart = patch.start !== undefined && patch.end === undefined && patch.duration_minutes === undefined;
  if (patch.duration_minutes !== undefined && patch.end === undefined) delete merged.end;
  if (movesStart && !allDay && row.all_day !== 1) {
    delete merged.end;
    merged.duration_minutes = Math.round((Date.parse(row.end_utc) - Date.parse(row.start_utc)) / 60_000);
  } else if (movesStart && allDay && row.all_day === 1 && typeof patch.start === "string") {
    const start = parseLocalDate(patch.start);
    const days = parseLocalDateTime(row.end_local)! - parseLocalDateTime(row.start_local)!;
    if (start !== null) merged.end = formatLocalDate(start + days);
  }
  // Moving a series moves the occurrences it leaves out with it (as calendar clients do).
  if (patch.start !== undefined && patch.exdates === undefined && row.exdates !== null && typeof patch.start === "string" && allDay === (row.all_day === 1)) {
    const zone = findTimeZone(String(merged.tzid)) ?? UTC;
    const newStart = allDay ? parseLocalDate(patch.start) : wallClock(patch.start, zone);
    const shift = newStart === null ? 0 : newStart - parseLocalDateTime(row.start_local)!;
    merged.exdates = row.exdates.split(",").map((text) => formatWallClock(parseLocalDateTime(text)! + shift, allDay));
  }
  return merged;
}
