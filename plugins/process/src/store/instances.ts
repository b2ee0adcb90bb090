/**
 * `process_instances`: one run of a process version on a ticket. `seq` counts its transitions;
 * every change is an UPDATE that names the `seq` it read (`... WHERE id = ? AND seq = ?`), so
 * when two hosts act on the same instance at once exactly one of them wins and the other sees
 * zero rows changed and stops. Starting is claimed the same way by the unique
 * (process_id, ticket_id, start_event).
 */
import { PluginError, host, type SqlValue } from "@goatkit/sdk/guest";

export type InstanceStatus = "running" | "waiting" | "completed" | "error";

export interface InstanceRow {
  id: number;
  process_id: number;
  version_id: number;
  ticket_id: number;
  start_event: string;
  status: InstanceStatus;
  current_step: string;
  seq: number;
  wait_until: string | null;
  wait_event: string | null;
  assignee_user_id: number | null;
  assignee_queue_id: number | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

const COLUMNS = "id, process_id, version_id, ticket_id, start_event, status, current_step, seq, wait_until, wait_event, assignee_user_id, assignee_queue_id, error, created_at, updated_at";

export function findInstance(id: number): InstanceRow | null {
  return host.dbQuery<InstanceRow>(`SELECT ${COLUMNS} FROM process_instances WHERE id = ?`, [id])[0] ?? null;
}

export function requireInstance(idText: string): InstanceRow {
  const id = /^\d+$/.test(idText) ? Number(idText) : NaN;
  const instance = Number.isSafeInteger(id) ? findInstance(id) : null;
  if (instance === null) throw new PluginError(`instance ${JSON.stringify(idText)} does not exist; GET /api/plugins/process/instances lists them`, 404, "NOT_FOUND");
  return instance;
}

/** Creates the instance an event starts; null when another host (or an earlier delivery) already did. */
export function claimStart(processId: number, versionId: number, ticketId: number, startEvent: string, step: string, now: string): InstanceRow | null {
  try {
    host.dbExec(
      "INSERT INTO process_instances (process_id, version_id, ticket_id, start_event, status, current_step, seq, created_at, updated_at) VALUES (?, ?, ?, ?, 'running', ?, 0, ?, ?)",
      [processId, versionId, ticketId, startEvent, step, now, now],
    );
  } catch (error) {
    if (findStarted(processId, ticketId, startEvent) !== null) return null;
    throw error;
  }
  return findStarted(processId, ticketId, startEvent);
}

function findStarted(processId: number, ticketId: number, startEvent: string): InstanceRow | null {
  return host.dbQuery<InstanceRow>(`SELECT ${COLUMNS} FROM process_instances WHERE process_id = ? AND ticket_id = ? AND start_event = ?`, [processId, ticketId, startEvent])[0] ?? null;
}

export interface InstanceChange {
  status: InstanceStatus;
  current_step: string;
  wait_until?: string | null;
  wait_event?: string | null;
  assignee_user_id?: number | null;
  assignee_queue_id?: number | null;
  error?: string | null;
}

/**
 * Moves an instance on from the `seq` the caller read; true when this call made the
 * transition, false when someone else already moved it.
 */
export function claimTransition(instance: InstanceRow, change: InstanceChange, now: string): boolean {
  const result = host.dbExec(
    `UPDATE process_instances SET status = ?, current_step = ?, seq = seq + 1, wait_until = ?, wait_event = ?, assignee_user_id = ?, assignee_queue_id = ?, error = ?, updated_at = ?
      WHERE id = ? AND seq = ?`,
    [change.status, change.current_step, change.wait_until ?? null, change.wait_event ?? null, change.assignee_user_id ?? null, change.assignee_queue_id ?? null, change.error ?? null, now, instance.id, instance.seq],
  );
  if (result.rowsAffected !== 1) return false;
  Object.assign(instance, { wait_until: null, wait_event: null, assignee_user_id: null, assignee_queue_id: null, error: null }, change, { seq: instance.seq + 1, updated_at: now });
  return true;
}

/** Instances waiting on a ticket event for `ticketId`. */
export function waitingOnEvent(ticketId: number): InstanceRow[] {
  return host.dbQuery<InstanceRow>(`SELECT ${COLUMNS} FROM process_instances WHERE ticket_id = ? AND status = 'waiting' AND wait_event IS NOT NULL ORDER BY id`, [ticketId]);
}

/** Instances left `running` since before `before`: the call that owned them ended without finishing. */
export function stuckRunning(before: string, limit: number): InstanceRow[] {
  return host.dbQuery<InstanceRow>(`SELECT ${COLUMNS} FROM process_instances WHERE status = 'running' AND updated_at < ? ORDER BY id LIMIT ${Math.trunc(limit)}`, [before]);
}

/** Instances whose timed wait ran out by `now`. */
export function dueWaits(now: string, limit: number): InstanceRow[] {
  return host.dbQuery<InstanceRow>(`SELECT ${COLUMNS} FROM process_instances WHERE status = 'waiting' AND wait_until IS NOT NULL AND wait_until <= ? ORDER BY wait_until, id LIMIT ${Math.trunc(limit)}`, [now]);
}

export interface InstanceFilter {
  processId?: number;
  status?: InstanceStatus;
  ticketId?: number;
  assigneeUserId?: number;
}

export function listInstances(filter: InstanceFilter, limit = 200): InstanceRow[] {
  const where: string[] = [];
  const args: SqlValue[] = [];
  if (filter.processId !== undefined) where.push("process_id = ?") && args.push(filter.processId);
  if (filter.status !== undefined) where.push("status = ?") && args.push(filter.status);
  if (filter.ticketId !== undefined) where.push("ticket_id = ?") && args.push(filter.ticketId);
  if (filter.assigneeUserId !== undefined) where.push("assignee_user_id = ?") && args.push(filter.assigneeUserId);
  const clause = where.length > 0 ? ` WHERE ${where.join(" AND ")}` : "";
  return host.dbQuery<InstanceRow>(`SELECT ${COLUMNS} FROM process_instances${clause} ORDER BY id DESC LIMIT ${Math.trunc(limit)}`, args);
}

/** Active (running, waiting or failed) instances per process. */
export function activeCounts(): Map<number, number> {
  const rows = host.dbQuery<{ process_id: number; n: number }>("SELECT process_id, COUNT(*) AS n FROM process_instances WHERE status <> 'completed' GROUP BY process_id");
  return new Map(rows.map((r) => [r.process_id, Number(r.n)]));
}

/** Tasks waiting on an agent: assigned to them, or to a queue of a ticket they own. */
export function tasksWaitingOn(userId: number): InstanceRow[] {
  return host.dbQuery<InstanceRow>(
    `SELECT ${COLUMNS.split(", ").map((c) => `i.${c}`).join(", ")} FROM process_instances i JOIN ticket t ON t.id = i.ticket_id
      WHERE i.status = 'waiting' AND i.wait_until IS NULL AND i.wait_event IS NULL
        AND (i.assignee_user_id = ? OR (i.assignee_user_id IS NULL AND i.assignee_queue_id IS NOT NULL AND t.user_id = ?))
      ORDER BY i.updated_at, i.id LIMIT 50`,
    [userId, userId],
  );
}

/** Records that an instance consumed a ticket event; false when it already had (a second delivery). */
export function claimEvent(instanceId: number, eventId: string, now: string): boolean {
  try {
    host.dbExec("INSERT INTO process_event_receipts (instance_id, event_id, received_at) VALUES (?, ?, ?)", [instanceId, eventId, now]);
    return true;
  } catch (error) {
    const seen = host.dbQuery("SELECT id FROM process_event_receipts WHERE instance_id = ? AND event_id = ?", [instanceId, eventId]);
    if (seen.length > 0) return false;
    throw error;
  }
}
