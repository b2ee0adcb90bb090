/** Instance routes: list instances (with counts per step, for the designer), one with its history, retry, complete a task. */
import { PluginError, type Handler, type Request } from "@goatkit/sdk/guest";
import { completeTask, retryInstance } from "../engine/dispatch.js";
import { maxStepsPerEvent } from "../plugin-config.js";
import { findQueueNames, findTickets, findUserNames } from "../store/core-tables.js";
import { listHistory } from "../store/history.js";
import { listInstances, requireInstance, type InstanceRow, type InstanceStatus } from "../store/instances.js";
import { findProcess, findVersion } from "../store/processes.js";
import { requireAdmin, requireStaff } from "./access.js";

const STATUSES: InstanceStatus[] = ["running", "waiting", "completed", "error"];

function instancesJSON(rows: readonly InstanceRow[]) {
  const tickets = findTickets(rows.map((r) => r.ticket_id));
  const users = findUserNames(rows.flatMap((r) => (r.assignee_user_id === null ? [] : [r.assignee_user_id])));
  const queues = findQueueNames(rows.flatMap((r) => (r.assignee_queue_id === null ? [] : [r.assignee_queue_id])));
  const versions = new Map<number, number | null>();
  return rows.map((r) => {
    if (!versions.has(r.version_id)) versions.set(r.version_id, findVersion(r.version_id)?.version ?? null);
    const ticket = tickets.get(r.ticket_id);
    return {
      id: r.id,
      process_id: r.process_id,
      version: versions.get(r.version_id),
      ticket: ticket ? { id: ticket.id, tn: ticket.tn, title: ticket.title, url: `/agent/tickets/${ticket.id}` } : { id: r.ticket_id, tn: null, title: null, url: null },
      status: r.status,
      step: r.current_step,
      waiting_for: r.status !== "waiting" ? null : r.wait_until !== null ? { until: r.wait_until } : r.wait_event !== null ? { event: r.wait_event } : { task: { agent: r.assignee_user_id === null ? null : (users.get(r.assignee_user_id) ?? null), queue: r.assignee_queue_id === null ? null : (queues.get(r.assignee_queue_id) ?? null) } },
      failure: r.error,
      started_at: r.created_at,
      updated_at: r.updated_at,
    };
  });
}

function positiveInt(req: Request, name: string): number | undefined {
  const text = req.query(name);
  if (text === "") return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new PluginError(`invalid request: "${name}" must be a positive whole number; got ${JSON.stringify(text)}`, 400, "VALIDATION_FAILED");
  return Number(text);
}

export const instanceRoutes = {
  /** GET /instances?process_id=&status=&ticket_id= */
  list_instances(req: Request) {
    requireStaff(req);
    const status = req.query("status");
    if (status !== "" && !STATUSES.includes(status as InstanceStatus)) throw new PluginError(`invalid request: "status" must be one of ${STATUSES.join(", ")}; got ${JSON.stringify(status)}`, 400, "VALIDATION_FAILED");
    const rows = listInstances({ processId: positiveInt(req, "process_id"), ticketId: positiveInt(req, "ticket_id"), ...(status ? { status: status as InstanceStatus } : {}) });
    const byStep: Record<string, Record<string, number>> = {};
    for (const r of rows) {
      if (r.status === "completed") continue;
      byStep[r.current_step] ??= {};
      byStep[r.current_step]![r.status] = (byStep[r.current_step]![r.status] ?? 0) + 1;
    }
    return { instances: instancesJSON(rows), active_by_step: byStep };
  },

  /** GET /instances/:id: the instance and its history. */
  get_instance(req: Request) {
    requireStaff(req);
    const instance = requireInstance(req.param("id"));
    return { ...instancesJSON([instance])[0], process: { id: instance.process_id, name: findProcess(instance.process_id)?.name ?? null }, history: listHistory(instance.id) };
  },

  /** POST /instances/:id/retry */
  retry_instance(req: Request) {
    const user = requireAdmin(req);
    const result = retryInstance(requireInstance(req.param("id")), user, maxStepsPerEvent(req));
    return { ...result, instance: instancesJSON([requireInstance(String(result.instance))])[0] };
  },

  /** POST /instances/:id/complete */
  complete_task(req: Request) {
    const user = requireStaff(req);
    const result = completeTask(requireInstance(req.param("id")), user, maxStepsPerEvent(req));
    return { ...result, instance: instancesJSON([requireInstance(String(result.instance))])[0] };
  },
} satisfies Record<string, Handler>;
