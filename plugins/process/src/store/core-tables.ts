/**
 * The help desk's own tables, as GoatFlow names them (`ticket`, `ticket_state`,
 * `ticket_state_type`, `ticket_priority`, `queue`, `users`, `user_preferences`, `customer_user`;
 * docs/demo-schema.md): read with `db:read`; `ticket` is written by set and task steps with
 * `db:write:ticket`.
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
      // A state's type as the process conditions know it: "pending reminder" and "pending auto" are "pending".
      // A ticket held by the admin user 1 (OTRS's unassigned tickets) has no owner here.
      `SELECT t.id, t.tn, t.title, t.queue_id, q.name AS queue, t.ticket_state_id AS state_id, s.name AS state,
              CASE WHEN st.name LIKE 'pending%' THEN 'pending' ELSE st.name END AS state_type,
              t.ticket_priority_id AS priority_id, p.name AS priority, u.id AS user_id, u.login AS owner, pref.preferences_value AS owner_email,
              c.login AS customer, c.email AS customer_email
         FROM ticket t
         LEFT JOIN queue q ON q.id = t.queue_id
         LEFT JOIN ticket_state s ON s.id = t.ticket_state_id
         LEFT JOIN ticket_state_type st ON st.id = s.type_id
         LEFT JOIN ticket_priority p ON p.id = t.ticket_priority_id
         LEFT JOIN users u ON u.id = t.user_id AND t.user_id <> 1
         LEFT JOIN user_preferences pref ON pref.user_id = u.id AND pref.preferences_key = 'UserEmail'
         LEFT JOIN customer_user c ON c.login = t.customer_user_id
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
  queue: "SELECT id, name FROM queue WHERE LOWER(name) = LOWER(?)",
  state: "SELECT id, name FROM ticket_state WHERE LOWER(name) = LOWER(?)",
  priority: "SELECT id, name FROM ticket_priority WHERE LOWER(name) = LOWER(?)",
  // `users` holds the agents only (customers are in `customer_user`).
  agent: "SELECT id, login AS name FROM users WHERE LOWER(login) = LOWER(?) AND valid_id = 1",
} as const;

/** A queue, state, priority or agent by its name (an agent by login), case-insensitively. */
export function findByName(kind: keyof typeof LOOKUPS, name: string): Named | null {
  return host.dbQuery<Named>(LOOKUPS[kind], [name.trim()])[0] ?? null;
}

export function findTickets(ids: readonly number[]): Map<number, { id: number; tn: string; title: string }> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = host.dbQuery<{ id: number; tn: string; title: string }>(`SELECT id, tn, title FROM ticket WHERE id IN ${placeholders(unique)}`, unique as SqlValue[]);
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
  const rows = host.dbQuery<Named>(`SELECT id, name FROM queue WHERE id IN ${placeholders(unique)}`, unique as SqlValue[]);
  return new Map(rows.map((row) => [row.id, row.name]));
}

/** Sets ticket columns (already resolved to ids) and its change time. */
export function updateTicket(id: number, columns: Record<string, SqlValue>, changeTime: string): void {
  const names = Object.keys(columns);
  if (names.length === 0) return;
  host.dbExec(`UPDATE ticket SET ${names.map((n) => `${n} = ?`).join(", ")}, change_time = ? WHERE id = ?`, [...names.map((n) => columns[n]!), changeTime, id]);
}
