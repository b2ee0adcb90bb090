/**
 * The three ways an instance moves on: a ticket event (start, or end an event wait), the job
 * (timed waits that ran out), and people (a task completed, a failed step retried). Each one
 * claims the transition in the database first and runs the instance only when it won.
 */
import { PluginError } from "@goatkit/sdk/guest";
import type { Definition, StartStep, TicketEvent } from "../model/definition.js";
import { findTicket } from "../store/core-tables.js";
import { recordHistory, type Actor } from "../store/history.js";
import { claimEvent, claimStart, claimTransition, dueWaits, stuckRunning, waitingOnEvent, type InstanceRow } from "../store/instances.js";
import { findVersion, versionDefinition, versionsTriggeredBy, type VersionRow } from "../store/processes.js";
import { formatInstant } from "../store/time.js";
import { afterWait, run, type RunResult } from "./engine.js";
import type { TicketEventData } from "./ticket-event.js";

const now = () => formatInstant(Date.now());

function definitionOf(instance: InstanceRow): Definition {
  const version = findVersion(instance.version_id);
  if (version === null) throw new PluginError(`instance ${instance.id} names version ${instance.version_id}, which does not exist`, 500, "DAMAGED_VERSION");
  return versionDefinition(version);
}

export interface EventSummary {
  event_id: string;
  ticket_id: number;
  started: RunResult[];
  resumed: RunResult[];
  /** Deliveries of this event that another host (or an earlier delivery) already applied. */
  already_applied: number;
}

/** Applies a ticket's save: starts the processes it triggers, then ends waits for its events. */
export function applyTicketEvent(event: TicketEventData, maxSteps: number): EventSummary {
  const who: Actor = { actor: event.actor, via: "hook" };
  const summary: EventSummary = { event_id: event.eventId, ticket_id: event.ticketId, started: [], resumed: [], already_applied: 0 };
  const ticket = findTicket(event.ticketId);
  if (ticket === null) return summary;
  const fresh = new Set<number>();
  // A save starts each process once, even when it is both, say, created and in a new state.
  const triggered = new Map<number, VersionRow>();
  for (const kind of event.events) for (const version of versionsTriggeredBy(kind)) if (!triggered.has(version.process_id)) triggered.set(version.process_id, version);
  for (const version of triggered.values()) {
    const definition = versionDefinition(version);
    const start = definition.steps.find((s): s is StartStep => s.type === "start");
    if (start === undefined || (start.queue !== undefined && start.queue.toLowerCase() !== (ticket.queue ?? "").toLowerCase())) continue;
    const instance = claimStart(version.process_id, version.id, ticket.id, event.eventId, start.id, now());
    if (instance === null) {
      summary.already_applied++;
      continue;
    }
    // The event that started the instance does not also end a wait it reaches.
    claimEvent(instance.id, event.eventId, now());
    fresh.add(instance.id);
    summary.started.push(run(instance, definition, { who, maxSteps }));
  }
  for (const kind of event.events) {
    for (const instance of waitingOnEvent(event.ticketId)) {
      if (instance.wait_event !== kind || fresh.has(instance.id)) continue;
      if (!claimEvent(instance.id, event.eventId, now())) {
        summary.already_applied++;
        continue;
      }
      const result = resume(instance, who, `ticket event ${kind} (${event.eventId})`, maxSteps);
      if (result) summary.resumed.push(result);
      else summary.already_applied++;
    }
  }
  return summary;
}

/** Moves a waiting instance past its wait or task; null when another host did first. */
function resume(instance: InstanceRow, who: Actor, why: string, maxSteps: number): RunResult | null {
  const definition = definitionOf(instance);
  const waitStep = instance.current_step;
  if (!claimTransition(instance, afterWait(definition, waitStep), now())) return null;
  recordHistory(instance.id, instance.seq, waitStep, "resumed", why, who, now());
  return run(instance, definition, { who, maxSteps });
}

export interface JobSummary {
  checked_at: string;
  due: number;
  resumed: RunResult[];
  already_resumed: number;
  /** Instances found `running` long after their call must have ended, now failed. */
  interrupted: number[];
}

/** A call runs for seconds (the plugin's time-out); an instance still `running` this long after its last transition lost its host. */
const STUCK_MS = 10 * 60_000;

/**
 * The job: every instance whose timed wait ran out moves on, once, whichever host runs the job.
 * Instances left `running` by a host that stopped mid-step are failed, so they show up with
 * their reason and can be retried; they are not re-run blindly, as their step's effect (an
 * email, a ticket change) may already have happened.
 */
export function resumeDueWaits(maxSteps: number): JobSummary {
  const at = now();
  const due = dueWaits(at, 500);
  const summary: JobSummary = { checked_at: at, due: due.length, resumed: [], already_resumed: 0, interrupted: [] };
  for (const instance of stuckRunning(formatInstant(Date.now() - STUCK_MS), 100)) {
    const message = `the host running step "${instance.current_step}" stopped before finishing it (no progress since ${instance.updated_at}); check whether the step's effect happened, then retry`;
    if (!claimTransition(instance, { status: "error", current_step: instance.current_step, error: message }, at)) continue;
    recordHistory(instance.id, instance.seq, instance.current_step, "failed", message, { actor: "job resume-waits", via: "job" }, at);
    summary.interrupted.push(instance.id);
  }
  for (const instance of due) {
    const result = resume(instance, { actor: "job resume-waits", via: "job" }, `waited until ${instance.wait_until}`, maxSteps);
    if (result) summary.resumed.push(result);
    else summary.already_resumed++;
  }
  return summary;
}

/** A task done: by its agent, any agent when it is a queue's task, or an administrator. */
export function completeTask(instance: InstanceRow, user: { id: number; login: string; role: string }, maxSteps: number): RunResult {
  const isTask = instance.status === "waiting" && instance.wait_until === null && instance.wait_event === null;
  if (!isTask) throw new PluginError(`instance ${instance.id} is not waiting on a task (it is ${instance.status} at step "${instance.current_step}")`, 409, "NOT_A_TASK");
  if (user.role !== "admin" && instance.assignee_user_id !== null && instance.assignee_user_id !== user.id) {
    throw new PluginError(`the task of instance ${instance.id} is assigned to another agent; they or an administrator complete it`, 403, "FORBIDDEN");
  }
  const result = resume(instance, { actor: user.login, via: "route" }, `task done by ${user.login}`, maxSteps);
  if (result === null) throw new PluginError(`instance ${instance.id} moved on while this request ran; reload it`, 409, "CONFLICT");
  return result;
}

/** Runs the failed step again, as `user`. */
export function retryInstance(instance: InstanceRow, user: { login: string }, maxSteps: number): RunResult {
  if (instance.status !== "error") throw new PluginError(`instance ${instance.id} has not failed (it is ${instance.status} at step "${instance.current_step}"); only failed instances are retried`, 409, "NOT_FAILED");
  const definition = definitionOf(instance);
  const failed = instance.error;
  if (!claimTransition(instance, { status: "running", current_step: instance.current_step }, now())) {
    throw new PluginError(`instance ${instance.id} was retried by someone else at the same time; reload it`, 409, "CONFLICT");
  }
  const who: Actor = { actor: user.login, via: "route" };
  recordHistory(instance.id, instance.seq, instance.current_step, "retried", `after: ${failed ?? "an error"}`, who, now());
  return run(instance, definition, { who, maxSteps });
}

export type { TicketEvent };
