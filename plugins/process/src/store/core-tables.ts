/**
 * The help desk's own tables (`tickets`, `users`, `queues`, `ticket_states`,
 * `ticket_priorities`, `customers`): read with `db:read`; `tickets` is written by set and task
 * steps with `db:write:tickets`.
 */
import { host, type SqlValue } from "@goatkit/sdk/guest";

/** A ticket as conditions, templates and the history see it: names as well as ids. */
export interface TicketSnapshot {
  id: number;
  tn: string;
  title: string;
  queue_id: number;
  queue: string | null;
  state_id: number;
  state: string | null;
  state_type: string | null;
  priority_id: number;
  priority: string | null;
  user_id: number | null;
  owner: string | null;
  owner_email: string | null;
  customer: string | null;
  customer_email: string | null;
}

export function findTicket(id: number): TicketSnapshot | null {
  return (
    host.dbQuery<TicketSnapshot>(
      `SELECT t.id, t.tn, t.title, t.queue_id, q.name AS queue, t.state_id, s.name AS state, s.type_name AS state_type,
              t.priority_id, p.name AS priority, t.user_id, u.login AS owner, u.email AS owner_email,
              c.login AS customer, c.email AS customer_email
         FROM tickets t
         LEFT JOIN queues q ON q.id = t.queue_id
         LEFT JOIN ticket_states s ON s.id = t.state_id
         LEFT JOIN ticket_priorities p ON p.id = t.priority_id
         LEFT JOIN users u ON u.id = t.user_id
         LEFT JOIN customers c ON c.id = t.customer_id
        WHERE t.id = ?`,
      [id],
    )[0] ?? null
  );
}

/** `(?, ?, ?)` for an IN list. */
export function placeholders(values: readonly unknown[]): string {
  return `(${values.map(() => "?").join(", ")})`;
}

export interface Named {
  id: number;
  name: string;
}

const LOOKUPS = {
  queue: "SELECT id, name FROM queues WHERE LOWER(name) = LOWER(?)",
  state: "SELECT id, name FROM ticket_states WHERE LOWER(name) = LOWER(?)",
  priority: "SELECT id, name FROM ticket_priorities WHERE LOWER(name) = LOWER(?)",
  agent: "SELECT id, login AS name FROM users WHERE LOWER(login) = LOWER(?) AND role <> 'customer'",
} as const;

/** A queue, state, priority or agent by its name (an agent by login), case-insensitively. */
export function findByName(kind: keyof typeof LOOKUPS, name: string): Named | null {
  return host.dbQuery<Named>(LOOKUPS[kind], [name.trim()])[0] ?? null;
}

export function findTickets(ids: readonly number[]): Map<number, { id: number; tn: string; title: string }> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = host.dbQuery<{ id: number; tn: string; title: string }>(`SELECT id, tn, title FROM tickets WHERE id IN ${placeholders(unique)}`, unique as SqlValue[]);
  return new Map(rows.map((row) => [row.id, row]));
}

export function findUserNames(ids: readonly number[]): Map<number, string> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = host.dbQuery<{ id: number; login: string }>(`SELECT id, login FROM users WHERE id IN ${placeholders(unique)}`, unique as SqlValue[]);
  return new Map(rows.map((row) => [row.id, row.login]));
}

export function findQueueNames(ids: readonly number[]): Map<number, string> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = host.dbQuery<Named>(`SELECT id, name FROM queues WHERE id IN ${placeholders(unique)}`, unique as SqlValue[]);
  return new Map(rows.map((row) => [row.id, row.name]));
}

/** Sets ticket columns (already resolved to ids) and its change time. */
export function updateTicket(id: number, columns: Record<string, SqlValue>, changeTime: string): void {
  const names = Object.keys(columns);
  if (names.length === 0) return;
  host.dbExec(`UPDATE tickets SET ${names.map((n) => `${n} = ?`).join(", ")}, change_time = ? WHERE id = ?`, [...names.map((n) => columns[n]!), changeTime, id]);
}
