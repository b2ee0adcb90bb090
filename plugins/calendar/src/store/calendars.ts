/** The `calendar_calendars` table: one calendar per agent or team (a queue's agents). */
import { PluginError, host } from "@goatkit/sdk/guest";

export type OwnerType = "agent" | "team";

export interface CalendarRow {
  id: number;
  name: string;
  owner_type: OwnerType;
  /** `users.id` for an agent calendar, `queues.id` for a team calendar. */
  owner_id: number;
  timezone: string;
  created_at: string;
  updated_at: string;
}

const COLUMNS = "id, name, owner_type, owner_id, timezone, created_at, updated_at";

export function listCalendars(filter: { ownerType?: OwnerType; ownerId?: number } = {}): CalendarRow[] {
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (filter.ownerType !== undefined) {
    where.push("owner_type = ?");
    args.push(filter.ownerType);
  }
  if (filter.ownerId !== undefined) {
    where.push("owner_id = ?");
    args.push(filter.ownerId);
  }
  const clause = where.length > 0 ? ` WHERE ${where.join(" AND ")}` : "";
  return host.dbQuery<CalendarRow>(`SELECT ${COLUMNS} FROM calendar_calendars${clause} ORDER BY id`, args);
}

export function findCalendar(id: number): CalendarRow | null {
  return host.dbQuery<CalendarRow>(`SELECT ${COLUMNS} FROM calendar_calendars WHERE id = ?`, [id])[0] ?? null;
}

/** The calendar a route's `:id` names; a 404 that says so when there is none. */
export function requireCalendar(idText: string): CalendarRow {
  const id = /^\d+$/.test(idText) ? Number(idText) : NaN;
  const calendar = Number.isSafeInteger(id) ? findCalendar(id) : null;
  if (calendar === null) throw new PluginError(`calendar ${JSON.stringify(idText)} does not exist; GET /api/plugins/calendar/calendars lists them`, 404, "NOT_FOUND");
  return calendar;
}

export function insertCalendar(calendar: Omit<CalendarRow, "id" | "created_at" | "updated_at">, now: string): number {
  const { lastInsertId } = host.dbExec(
    "INSERT INTO calendar_calendars (name, owner_type, owner_id, timezone, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
    [calendar.name, calendar.owner_type, calendar.owner_id, calendar.timezone, now, now],
  );
  if (lastInsertId === null) throw new PluginError("the database did not report the new calendar's id", 500, "DATABASE");
  return Number(lastInsertId);
}

export function updateCalendar(id: number, fields: { name: string; timezone: string }, now: string): void {
  host.dbExec("UPDATE calendar_calendars SET name = ?, timezone = ?, updated_at = ? WHERE id = ?", [fields.name, fields.timezone, now, id]);
}

export function deleteCalendar(id: number): void {
  host.dbExec("DELETE FROM calendar_calendars WHERE id = ?", [id]);
}
