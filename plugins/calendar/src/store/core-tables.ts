/**
 * Reads of the help desk's own tables, as GoatFlow names them (`ticket`, `users`,
 * `user_preferences`, `group_user`, `groups`, `queue`; docs/demo-schema.md), which `db:read`
 * allows and the plugin never writes.
 */
import { host, type SqlValue } from "@goatkit/sdk/guest";

/** `users` holds the agents; an administrator is a read-write member of the "admin" group. */
const ROLE = `CASE WHEN EXISTS (SELECT 1 FROM group_user gu JOIN groups g ON g.id = gu.group_id
  WHERE gu.user_id = u.id AND gu.permission_key = 'rw' AND g.name = 'admin') THEN 'admin' ELSE 'agent' END`;

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
  return host.dbQuery<TicketSummary>("SELECT id, tn, title FROM ticket WHERE id = ?", [id])[0] ?? null;
}

/** Tickets by id; ids that do not exist are missing from the map. */
export function findTickets(ids: readonly number[]): Map<number, TicketSummary> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = host.dbQuery<TicketSummary>(`SELECT id, tn, title FROM ticket WHERE id IN ${placeholders(unique)}`, unique as SqlValue[]);
  return new Map(rows.map((row) => [row.id, row]));
}

export function findUser(id: number): UserSummary | null {
  return findUsers([id]).get(id) ?? null;
}

/** Users by id, valid or not; ids that do not exist are missing from the map. */
export function findUsers(ids: readonly number[]): Map<number, UserSummary> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = host.dbQuery<UserSummary>(`SELECT u.id, u.login, p.preferences_value AS email, u.first_name, u.last_name, ${ROLE} AS role
       FROM users u LEFT JOIN user_preferences p ON p.user_id = u.id AND p.preferences_key = 'UserEmail'
      WHERE u.id IN ${placeholders(unique)}`, unique as SqlValue[]);
  return new Map(rows.map((row) => [row.id, row]));
}

export function findQueue(id: number): QueueSummary | null {
  return findQueues([id]).get(id) ?? null;
}

/** Queues by id; ids that do not exist are missing from the map. */
export function findQueues(ids: readonly number[]): Map<number, QueueSummary> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = host.dbQuery<QueueSummary>(`SELECT id, name FROM queue WHERE id IN ${placeholders(unique)}`, unique as SqlValue[]);
  return new Map(rows.map((row) => [row.id, row]));
}
