/**
 * The `calendar_appointments` table. Times are stored twice: as written (wall clock in `tzid`,
 * which is what recurrence expands on) and as instants (`*_utc`, ISO 8601 text that sorts), so
 * range queries can skip series that cannot touch a window without expanding them.
 */
import { PluginError, host, type SqlValue } from "@goatkit/sdk/guest";
import { placeholders } from "./core-tables.js";

export interface AppointmentRow {
  id: number;
  calendar_id: number;
  uid: string;
  title: string;
  description: string | null;
  location: string | null;
  /** 0 or 1: booleans are integers on every database the plugin supports. */
  all_day: number;
  tzid: string;
  /** Wall clock in `tzid`: `2026-03-30T09:00:00`. */
  start_local: string;
  end_local: string;
  /** The first occurrence: `2026-03-30T07:00:00Z`. */
  start_utc: string;
  end_utc: string;
  /** Canonical RRULE text, or null. */
  rrule: string | null;
  /** Comma-separated wall-clock starts left out of the series, or null. */
  exdates: string | null;
  /** When the last occurrence ends; null for a series without end. */
  series_end_utc: string | null;
  ticket_id: number | null;
  owner_user_id: number | null;
  reminder_minutes: number | null;
  created_at: string;
  updated_at: string;
}

export type AppointmentFields = Omit<AppointmentRow, "id" | "created_at" | "updated_at">;

const COLUMNS =
  "id, calendar_id, uid, title, description, location, all_day, tzid, start_local, end_local, start_utc, end_utc, rrule, exdates, series_end_utc, ticket_id, owner_user_id, reminder_minutes, created_at, updated_at";
const WRITABLE = ["calendar_id", "uid", "title", "description", "location", "all_day", "tzid", "start_local", "end_local", "start_utc", "end_utc", "rrule", "exdates", "series_end_utc", "ticket_id", "owner_user_id", "reminder_minutes"] as const;

const values = (fields: AppointmentFields): SqlValue[] => WRITABLE.map((column) => fields[column]);

export function findAppointment(id: number): AppointmentRow | null {
  return host.dbQuery<AppointmentRow>(`SELECT ${COLUMNS} FROM calendar_appointments WHERE id = ?`, [id])[0] ?? null;
}

/** The appointment a route's `:id` names; a 404 that says so when there is none. */
export function requireAppointment(idText: string): AppointmentRow {
  const id = /^\d+$/.test(idText) ? Number(idText) : NaN;
  const appointment = Number.isSafeInteger(id) ? findAppointment(id) : null;
  if (appointment === null) throw new PluginError(`appointment ${JSON.stringify(idText)} does not exist`, 404, "NOT_FOUND");
  return appointment;
}

export function findAppointmentByUid(calendarId: number, uid: string): AppointmentRow | null {
  return host.dbQuery<AppointmentRow>(`SELECT ${COLUMNS} FROM calendar_appointments WHERE calendar_id = ? AND uid = ?`, [calendarId, uid])[0] ?? null;
}

/** The id of another appointment of the calendar that has `uid`, or null. */
export function uidHolder(calendarId: number, uid: string, exceptId: number | null): number | null {
  const holder = findAppointmentByUid(calendarId, uid);
  return holder !== null && holder.id !== exceptId ? holder.id : null;
}

/** Every appointment of a calendar, in creation order (for the iCalendar feed). */
export function listCalendarAppointments(calendarId: number): AppointmentRow[] {
  return host.dbQuery<AppointmentRow>(`SELECT ${COLUMNS} FROM calendar_appointments WHERE calendar_id = ? ORDER BY id`, [calendarId]);
}

/** Appointments of these calendars whose series may have an occurrence in [from, to). */
export function listAppointmentsTouching(calendarIds: readonly number[], from: string, to: string, alsoOwnedBy: number | null = null): AppointmentRow[] {
  const owners: string[] = [];
  const args: SqlValue[] = [];
  if (calendarIds.length > 0) {
    owners.push(`calendar_id IN ${placeholders(calendarIds)}`);
    args.push(...calendarIds);
  }
  if (alsoOwnedBy !== null) {
    owners.push("owner_user_id = ?");
    args.push(alsoOwnedBy);
  }
  if (owners.length === 0) return [];
  return host.dbQuery<AppointmentRow>(
    `SELECT ${COLUMNS} FROM calendar_appointments WHERE (${owners.join(" OR ")}) AND start_utc < ? AND (series_end_utc IS NULL OR series_end_utc >= ?) ORDER BY start_utc, id`,
    [...args, to, from],
  );
}

/** Appointments with a reminder whose series may have an occurrence starting in (now, until]. */
export function listReminderCandidates(now: string, until: string): AppointmentRow[] {
  return host.dbQuery<AppointmentRow>(
    `SELECT ${COLUMNS} FROM calendar_appointments WHERE reminder_minutes IS NOT NULL AND start_utc <= ? AND (series_end_utc IS NULL OR series_end_utc > ?) ORDER BY start_utc, id`,
    [until, now],
  );
}

export function listTicketAppointments(ticketId: number): AppointmentRow[] {
  return host.dbQuery<AppointmentRow>(`SELECT ${COLUMNS} FROM calendar_appointments WHERE ticket_id = ? ORDER BY start_utc, id`, [ticketId]);
}

export function insertAppointment(fields: AppointmentFields, now: string): number {
  const { lastInsertId } = host.dbExec(
    `INSERT INTO calendar_appointments (${WRITABLE.join(", ")}, created_at, updated_at) VALUES (${WRITABLE.map(() => "?").join(", ")}, ?, ?)`,
    [...values(fields), now, now],
  );
  if (lastInsertId !== null) return Number(lastInsertId);
  // Every supported database reports it; the unique (calendar_id, uid) finds the row if one does not.
  const inserted = findAppointmentByUid(fields.calendar_id, fields.uid);
  if (inserted === null) throw new PluginError("the database did not report the new appointment's id", 500, "DATABASE");
  return inserted.id;
}

export function updateAppointment(id: number, fields: AppointmentFields, now: string): void {
  host.dbExec(`UPDATE calendar_appointments SET ${WRITABLE.map((c) => `${c} = ?`).join(", ")}, updated_at = ? WHERE id = ?`, [...values(fields), now, id]);
}

export function deleteAppointment(id: number): void {
  host.dbExec("DELETE FROM calendar_appointments WHERE id = ?", [id]);
}

export function deleteCalendarAppointments(calendarId: number): number {
  return host.dbExec("DELETE FROM calendar_appointments WHERE calendar_id = ?", [calendarId]).rowsAffected;
}
