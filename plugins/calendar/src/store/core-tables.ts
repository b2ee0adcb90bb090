/**
 * Reads of the help desk's own tables (`tickets`, `users`, `queues`), which `db:read` allows and
 * the plugin never writes.
 */
import { host, type SqlValue } from "@goatkit/sdk/guest";

export interface TicketSummary {
  id: number;
  tn: string;
  title: string;
}

export interface UserSummary {
  id: number;
  login: string;
  email: string;
  first_name: string;
  last_name: string;
  role: string;
}

export interface QueueSummary {
  id: number;
  name: string;
}

/** `(?, ?, ?)` for an IN list. */
export function placeholders(values: readonly unknown[]): string {
  return `(${values.map(() => "?").join(", ")})`;
}

export function findTicket(id: number): TicketSummary | null {
  return host.dbQuery<TicketSummary>("SELECT id, tn, title FROM tickets WHERE id = ?", [id])[0] ?? null;
}

/** Tickets by id; ids that do not exist are missing from the map. */
export function findTickets(ids: readonly number[]): Map<number, TicketSummary> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = host.dbQuery<TicketSummary>(`SELECT id, tn, title FROM tickets WHERE id IN ${placeholders(unique)}`, unique as SqlValue[]);
  return new Map(rows.map((row) => [row.id, row]));
}

export function findUser(id: number): UserSummary | null {
  return findUsers([id]).get(id) ?? null;
}

/** Users by id, valid or not; ids that do not exist are missing from the map. */
export function findUsers(ids: readonly number[]): Map<number, UserSummary> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = host.dbQuery<UserSummary>(`SELECT id, login, email, first_name, last_name, role FROM users WHERE id IN ${placeholders(unique)}`, unique as SqlValue[]);
  return new Map(rows.map((row) => [row.id, row]));
}

export function findQueue(id: number): QueueSummary | null {
  return findQueues([id]).get(id) ?? null;
}

/** Queues by id; ids that do not exist are missing from the map. */
export function findQueues(ids: readonly number[]): Map<number, QueueSummary> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = host.dbQuery<QueueSummary>(`SELECT id, name FROM queues WHERE id IN ${placeholders(unique)}`, unique as SqlValue[]);
  return new Map(rows.map((row) => [row.id, row]));
}
