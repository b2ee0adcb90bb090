/**
 * Runs instances. An instance that is `running` belongs to the call that just claimed it (by
 * starting it, or by winning a `seq` transition); that call executes its current step, claims
 * the transition out of it, records the history row, and goes on until the instance waits,
 * completes or fails. A call that loses a claim stops: another host is moving the instance.
 * Effects (an email, a ticket update) therefore happen once per transition, whichever host
 * received the event. Nothing is kept in memory between calls.
 */
import { HostError, PluginError, host } from "@goatkit/sdk/guest";
import { conditionHolds, describeCondition } from "../model/condition.js";
import type { Definition, EmailStep, SetStep, Step, TaskStep, WaitStep } from "../model/definition.js";
import { findByName, findTicket, updateTicket, type TicketSnapshot } from "../store/core-tables.js";
import { recordHistory, type Actor, type HistoryAction } from "../store/history.js";
import { claimTransition, type InstanceChange, type InstanceRow } from "../store/instances.js";
import { findProcess } from "../store/processes.js";
import { formatInstant, sqlTime } from "../store/time.js";
import { renderTemplate } from "./email-template.js";

/** What executing a step did: where the instance goes, and the history line for it. */
interface Outcome {
  change: InstanceChange;
  action: HistoryAction;
  detail: string;
}

/** A step failed in a way an administrator can fix and retry (missing agent, mail server down). */
class StepFailure extends Error {}

export interface RunContext {
  who: Actor;
  /** Guard against a definition that moves forever (cycles need a wait, but be safe). */
  maxSteps: number;
}

/** The outcome of a run, for the caller's summary. */
export interface RunResult {
  instance: number;
  status: InstanceRow["status"];
  step: string;
  /** False when another host moved the instance first. */
  won: boolean;
}

/** Executes `instance` (which the caller has just claimed) until it waits, completes or fails. */
export function run(instance: InstanceRow, definition: Definition, context: RunContext): RunResult {
  const steps = new Map(definition.steps.map((s) => [s.id, s]));
  let moved = 0;
  while (instance.status === "running") {
    const step = steps.get(instance.current_step);
    let outcome: Outcome;
    try {
      if (step === undefined) throw new StepFailure(`the version has no step "${instance.current_step}"`);
      if (++moved > context.maxSteps) throw new StepFailure(`moved through ${context.maxSteps} steps for one event without waiting; the process loops (config max_steps_per_event)`);
      outcome = execute(step, instance, definition);
    } catch (error) {
      if (!(error instanceof StepFailure || error instanceof HostError)) throw error;
      const message = error.message;
      if (!claimTransition(instance, { status: "error", current_step: instance.current_step, error: message }, now())) return lost(instance);
      recordHistory(instance.id, instance.seq, instance.current_step, "failed", message, context.who, now());
      host.warn("process instance failed; retry it from the designer or POST /instances/:id/retry", { instance_id: instance.id, step: instance.current_step, error: message });
      break;
    }
    const from = instance.current_step;
    if (!claimTransition(instance, outcome.change, now())) return lost(instance);
    recordHistory(instance.id, instance.seq, from, outcome.action, outcome.detail, context.who, now());
  }
  return { instance: instance.id, status: instance.status, step: instance.current_step, won: true };
}

function lost(instance: InstanceRow): RunResult {
  return { instance: instance.id, status: instance.status, step: instance.current_step, won: false };
}

const now = () => formatInstant(Date.now());

function execute(step: Step, instance: InstanceRow, definition: Definition): Outcome {
  const ticket = findTicket(instance.ticket_id);
  if (ticket === null) throw new StepFailure(`ticket ${instance.ticket_id} no longer exists`);
  switch (step.type) {
    case "start":
      return { change: onward(definition, step), action: "started", detail: `on ticket ${ticket.tn} by event ${instance.start_event}` };
    case "decision":
      return decide(definition, step, ticket);
    case "set":
      return setFields(definition, step, ticket);
    case "email":
      return sendEmail(definition, step, ticket, instance);
    case "task":
      return assignTask(step, ticket);
    case "wait":
      return startWaiting(step);
    case "end":
      return { change: { status: "completed", current_step: step.id }, action: "completed", detail: step.name || "end" };
  }
}

/** The one flow out of a step that does not branch. */
function onward(definition: Definition, step: Step): InstanceChange {
  const out = definition.flows.filter((f) => f.from === step.id);
  if (out.length !== 1) throw new StepFailure(`step "${step.id}" has ${out.length} outgoing flows; publishing checks this, so the version is damaged`);
  return { status: "running", current_step: out[0]!.to };
}

/** Where the instance goes when its wait or task at `step` is over. */
export function afterWait(definition: Definition, stepId: string): InstanceChange {
  const step = definition.steps.find((s) => s.id === stepId);
  if (step === undefined) throw new PluginError(`the version has no step "${stepId}"`, 500, "DAMAGED_VERSION");
  return onward(definition, step);
}

function decide(definition: Definition, step: Step, ticket: TicketSnapshot): Outcome {
  const out = definition.flows.filter((f) => f.from === step.id);
  const taken = out.find((f) => !f.default && f.when !== undefined && conditionHolds(f.when, ticket)) ?? out.find((f) => f.default);
  if (taken === undefined) throw new StepFailure(`decision "${step.id}" has no branch for this ticket and no default`);
  const why = taken.when ? describeCondition(taken.when) : "default";
  return { change: { status: "running", current_step: taken.to }, action: "decided", detail: `${taken.name ? `"${taken.name}" ` : ""}(${why}) -> ${taken.to}` };
}

/** GoatFlow's `ticket` columns each field sets. */
const COLUMN_OF = { state: "ticket_state_id", queue: "queue_id", priority: "ticket_priority_id", owner: "user_id" } as const;

function setFields(definition: Definition, step: SetStep, ticket: TicketSnapshot): Outcome {
  const columns: Record<string, string | number> = {};
  const said: string[] = [];
  for (const [field, value] of Object.entries(step.fields) as [keyof SetStep["fields"], string][]) {
    if (field === "title") columns.title = value;
    else {
      const found = findByName(field === "owner" ? "agent" : field, value);
      if (found === null) throw new StepFailure(`set step "${step.id}": there is no ${field === "owner" ? "agent with login" : field} "${value}"`);
      columns[COLUMN_OF[field]] = found.id;
    }
    said.push(`${field} = ${value}`);
  }
  updateTicket(ticket.id, columns, sqlTime(Date.now()));
  return { change: onward(definition, step), action: "updated", detail: said.join(", ") };
}

function sendEmail(definition: Definition, step: EmailStep, ticket: TicketSnapshot, instance: InstanceRow): Outcome {
  const to = step.to === "owner" ? ticket.owner_email : step.to === "customer" ? ticket.customer_email : step.to;
  if (!to) throw new StepFailure(`email step "${step.id}": the ticket has no ${step.to} with an email address`);
  const values = { ticket, processName: findProcess(instance.process_id)?.name ?? definition.name, instanceId: instance.id };
  const subject = renderTemplate(step.subject, values);
  const { id } = host.sendEmail([to], subject, renderTemplate(step.body, values));
  return { change: onward(definition, step), action: "emailed", detail: `to ${to}: ${subject} (message ${id})` };
}

function assignTask(step: TaskStep, ticket: TicketSnapshot): Outcome {
  const queue = step.queue === undefined ? null : findByName("queue", step.queue);
  if (step.queue !== undefined && queue === null) throw new StepFailure(`task "${step.id}": there is no queue "${step.queue}"`);
  const agent = step.agent === undefined ? null : findByName("agent", step.agent);
  if (step.agent !== undefined && agent === null) throw new StepFailure(`task "${step.id}": there is no agent with login "${step.agent}"`);
  const columns: Record<string, number> = {};
  if (queue !== null && queue.id !== ticket.queue_id) columns.queue_id = queue.id;
  if (agent !== null && agent.id !== ticket.user_id) columns.user_id = agent.id;
  updateTicket(ticket.id, columns, sqlTime(Date.now()));
  const whom = [agent ? `agent ${agent.name}` : "", queue ? `queue ${queue.name}` : ""].filter(Boolean).join(" in ");
  return {
    change: { status: "waiting", current_step: step.id, assignee_user_id: agent?.id ?? null, assignee_queue_id: queue?.id ?? null },
    action: "assigned",
    detail: `${step.name || step.id} to ${whom}`,
  };
}

function startWaiting(step: WaitStep): Outcome {
  if (step.minutes !== undefined) {
    const until = formatInstant(Date.now() + step.minutes * 60_000);
    return { change: { status: "waiting", current_step: step.id, wait_until: until }, action: "waiting", detail: `${step.minutes} minutes, until ${until}` };
  }
  if (step.event !== undefined) return { change: { status: "waiting", current_step: step.id, wait_event: step.event }, action: "waiting", detail: `for the ticket event ${step.event}` };
  throw new StepFailure(`wait step "${step.id}" says neither minutes nor event`);
}
