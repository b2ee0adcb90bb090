/**
 * A process definition: the graph an administrator draws, as the JSON the API reads and writes
 * (`"format": "goatkit-process/1"`). Reading one checks its shape and names every wrong field;
 * whether the graph can run (reachability, default branches, cycles) is `checkGraph`'s job,
 * so a draft may be incomplete while it is being drawn.
 */
import { FieldErrors } from "@goatkit/sdk/guest";
import { CONDITION_FIELDS, CONDITION_OPS, type Condition } from "./condition.js";

export const FORMAT = "goatkit-process/1";

/** The ticket events of the `after_save` hook a process reacts to. */
export const TICKET_EVENTS = ["created", "state_changed", "queue_changed", "note_added"] as const;
export type TicketEvent = (typeof TICKET_EVENTS)[number];

/** The ticket fields a `set` step may change, by their names (not ids). */
export const SETTABLE_FIELDS = ["state", "queue", "priority", "owner", "title"] as const;
export type SettableField = (typeof SETTABLE_FIELDS)[number];

export const STEP_TYPES = ["start", "task", "decision", "wait", "email", "set", "end"] as const;
export type StepType = (typeof STEP_TYPES)[number];

interface StepBase {
  id: string;
  name: string;
  /** Where the designer draws it (top left, in diagram units); optional. */
  x?: number;
  y?: number;
}

export interface StartStep extends StepBase {
  type: "start";
  /** The ticket events that start an instance. */
  on: TicketEvent[];
  /** Only tickets in this queue (by name); every queue when absent. */
  queue?: string;
}
/** Work for a queue or an agent: assigns the ticket and waits until the task is completed. */
export interface TaskStep extends StepBase {
  type: "task";
  queue?: string;
  agent?: string;
}
/** Follows the first outgoing flow whose `when` holds, else the default flow. */
export interface DecisionStep extends StepBase {
  type: "decision";
}
/** Waits `minutes`, or until the ticket has `event`. */
export interface WaitStep extends StepBase {
  type: "wait";
  minutes?: number;
  event?: TicketEvent;
}
/** An email from a template: `{{ticket.tn}}`, `{{ticket.title}}`, ... (see TEMPLATE_FIELDS). */
export interface EmailStep extends StepBase {
  type: "email";
  /** `owner`, `customer`, or an address. */
  to: string;
  subject: string;
  body: string;
}
export interface SetStep extends StepBase {
  type: "set";
  fields: Partial<Record<SettableField, string>>;
}
export interface EndStep extends StepBase {
  type: "end";
}

export type Step = StartStep | TaskStep | DecisionStep | WaitStep | EmailStep | SetStep | EndStep;

export interface Flow {
  id: string;
  from: string;
  to: string;
  name?: string;
  /** Only on flows out of a decision. */
  when?: Condition;
  /** The decision's branch when no `when` holds. */
  default?: boolean;
  /** Bend points the designer drew, `[x, y]` pairs. */
  points?: [number, number][];
}

export interface Definition {
  format: typeof FORMAT;
  name: string;
  description: string;
  steps: Step[];
  flows: Flow[];
}

const ID = /^[A-Za-z_][A-Za-z0-9_.-]{0,99}$/;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const STEP_FIELDS: Record<StepType, readonly string[]> = {
  start: ["on", "queue"],
  task: ["queue", "agent"],
  decision: [],
  wait: ["minutes", "event"],
  email: ["to", "subject", "body"],
  set: ["fields"],
  end: [],
};
const COMMON_STEP_FIELDS = ["id", "type", "name", "x", "y"];
const FLOW_FIELDS = ["id", "from", "to", "name", "when", "default", "points"];

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const text = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";
const show = (v: unknown) => JSON.stringify(v) ?? String(v);

/** Reads a definition (parsed JSON), or throws a 400 naming every field that is wrong. */
export function parseDefinition(value: unknown): Definition {
  const errors = new FieldErrors();
  if (!isObject(value)) {
    errors.add("(body)", `must be a process definition object such as {"name": "Escalation", "steps": [...], "flows": [...]}`);
    errors.throwIfAny("process");
  }
  const body = value as Record<string, unknown>;
  for (const key of Object.keys(body)) {
    if (!["format", "name", "description", "steps", "flows"].includes(key)) errors.add(key, "is not a field of a process definition; the fields are format, name, description, steps, flows");
  }
  if (body.format !== undefined && body.format !== FORMAT) errors.add("format", `must be "${FORMAT}"; got ${show(body.format)}`);
  if (!text(body.name)) errors.add("name", body.name === undefined ? "is required" : `must be non-empty text; got ${show(body.name)}`);
  else if (body.name.length > 200) errors.add("name", `is ${body.name.length} characters long; the limit is 200`);
  if (body.description !== undefined && typeof body.description !== "string") errors.add("description", `must be text; got ${show(body.description)}`);
  const steps = Array.isArray(body.steps) ? body.steps.map((s, i) => parseStep(errors, s, `steps[${i}]`)) : [];
  if (!Array.isArray(body.steps)) errors.add("steps", body.steps === undefined ? "is required: a list of steps" : `must be a list; got ${show(body.steps)}`);
  const ids = new Set<string>();
  steps.forEach((step, i) => {
    if (step === null) return;
    if (ids.has(step.id)) errors.add(`steps[${i}].id`, `"${step.id}" is used by an earlier step; step ids are unique`);
    ids.add(step.id);
  });
  const flows = Array.isArray(body.flows) ? body.flows.map((f, i) => parseFlow(errors, f, `flows[${i}]`, ids)) : [];
  if (body.flows !== undefined && !Array.isArray(body.flows)) errors.add("flows", `must be a list; got ${show(body.flows)}`);
  const flowIds = new Set<string>();
  flows.forEach((flow, i) => {
    if (flow === null) return;
    if (flowIds.has(flow.id) || ids.has(flow.id)) errors.add(`flows[${i}].id`, `"${flow.id}" is already the id of a step or an earlier flow`);
    flowIds.add(flow.id);
  });
  errors.throwIfAny("process");
  return {
    format: FORMAT,
    name: (body.name as string).trim(),
    description: typeof body.description === "string" ? body.description : "",
    steps: steps as Step[],
    flows: flows as Flow[],
  };
}

function parseStep(errors: FieldErrors, value: unknown, at: string): Step | null {
  if (!isObject(value)) {
    errors.add(at, `must be a step object such as {"id": "wait", "type": "wait", "minutes": 240}; got ${show(value)}`);
    return null;
  }
  const type = value.type as StepType;
  if (!STEP_TYPES.includes(type)) {
    errors.add(`${at}.type`, `must be one of ${STEP_TYPES.join(", ")}; got ${show(value.type)}`);
    return null;
  }
  for (const key of Object.keys(value)) {
    if (!COMMON_STEP_FIELDS.includes(key) && !STEP_FIELDS[type].includes(key)) {
      const own = STEP_FIELDS[type].length > 0 ? STEP_FIELDS[type].join(", ") : "none";
      errors.add(`${at}.${key}`, `is not a setting of a ${type} step; its settings are ${own}`);
    }
  }
  if (typeof value.id !== "string" || !ID.test(value.id)) errors.add(`${at}.id`, `must be a letter or _ followed by letters, digits, _ . or - (at most 100); got ${show(value.id)}`);
  if (value.name !== undefined && typeof value.name !== "string") errors.add(`${at}.name`, `must be text; got ${show(value.name)}`);
  for (const axis of ["x", "y"] as const) {
    if (value[axis] !== undefined && (typeof value[axis] !== "number" || !Number.isFinite(value[axis]))) errors.add(`${at}.${axis}`, `must be a number; got ${show(value[axis])}`);
  }
  const base = { id: String(value.id), name: typeof value.name === "string" ? value.name : "", ...(typeof value.x === "number" ? { x: Math.round(value.x) } : {}), ...(typeof value.y === "number" ? { y: Math.round(value.y) } : {}) };
  switch (type) {
    case "start": {
      const on = value.on === undefined ? ["created"] : value.on;
      if (!Array.isArray(on) || on.length === 0 || on.some((e) => !TICKET_EVENTS.includes(e as TicketEvent))) {
        errors.add(`${at}.on`, `must be a non-empty list of ticket events (${TICKET_EVENTS.join(", ")}); got ${show(value.on)}`);
      }
      if (value.queue !== undefined && !text(value.queue)) errors.add(`${at}.queue`, `must be a queue's name; got ${show(value.queue)}`);
      return { ...base, type, on: Array.isArray(on) ? [...new Set(on as TicketEvent[])] : [], ...(text(value.queue) ? { queue: value.queue } : {}) };
    }
    case "task": {
      for (const key of ["queue", "agent"] as const) if (value[key] !== undefined && !text(value[key])) errors.add(`${at}.${key}`, `must be ${key === "queue" ? "a queue's name" : "an agent's login"}; got ${show(value[key])}`);
      return { ...base, type, ...(text(value.queue) ? { queue: value.queue } : {}), ...(text(value.agent) ? { agent: value.agent } : {}) };
    }
    case "wait": {
      const minutes = value.minutes;
      if (minutes !== undefined && (typeof minutes !== "number" || !Number.isInteger(minutes) || minutes < 1 || minutes > 525600)) {
        errors.add(`${at}.minutes`, `must be a whole number of minutes from 1 to 525600 (a year); got ${show(minutes)}`);
      }
      if (value.event !== undefined && !TICKET_EVENTS.includes(value.event as TicketEvent)) errors.add(`${at}.event`, `must be one of ${TICKET_EVENTS.join(", ")}; got ${show(value.event)}`);
      if (minutes !== undefined && value.event !== undefined) errors.add(at, `waits for "minutes" or for an "event", not both`);
      return { ...base, type, ...(typeof minutes === "number" ? { minutes } : {}), ...(typeof value.event === "string" ? { event: value.event as TicketEvent } : {}) };
    }
    case "email": {
      if (value.to !== undefined && (typeof value.to !== "string" || !(value.to === "owner" || value.to === "customer" || EMAIL.test(value.to)))) {
        errors.add(`${at}.to`, `must be "owner" (the ticket's agent), "customer" or an email address; got ${show(value.to)}`);
      }
      for (const key of ["subject", "body"] as const) if (value[key] !== undefined && typeof value[key] !== "string") errors.add(`${at}.${key}`, `must be text; got ${show(value[key])}`);
      return { ...base, type, to: typeof value.to === "string" ? value.to : "", subject: typeof value.subject === "string" ? value.subject : "", body: typeof value.body === "string" ? value.body : "" };
    }
    case "set": {
      const fields = value.fields ?? {};
      if (!isObject(fields)) errors.add(`${at}.fields`, `must be an object of ticket fields such as {"state": "open"}; got ${show(value.fields)}`);
      else {
        for (const [key, v] of Object.entries(fields)) {
          if (!SETTABLE_FIELDS.includes(key as SettableField)) errors.add(`${at}.fields.${key}`, `cannot be set; the fields a set step changes are ${SETTABLE_FIELDS.join(", ")}`);
          else if (!text(v)) errors.add(`${at}.fields.${key}`, `must be ${key === "owner" ? "an agent's login" : key === "title" ? "non-empty text" : `a ${key}'s name`}; got ${show(v)}`);
        }
      }
      return { ...base, type, fields: isObject(fields) ? (fields as SetStep["fields"]) : {} };
    }
    default:
      return { ...base, type } as Step;
  }
}

function parseFlow(errors: FieldErrors, value: unknown, at: string, stepIds: ReadonlySet<string>): Flow | null {
  if (!isObject(value)) {
    errors.add(at, `must be a flow object such as {"from": "start", "to": "wait"}; got ${show(value)}`);
    return null;
  }
  for (const key of Object.keys(value)) if (!FLOW_FIELDS.includes(key)) errors.add(`${at}.${key}`, `is not a field of a flow; the fields are ${FLOW_FIELDS.join(", ")}`);
  for (const end of ["from", "to"] as const) {
    if (typeof value[end] !== "string") errors.add(`${at}.${end}`, value[end] === undefined ? "is required: a step's id" : `must be a step's id; got ${show(value[end])}`);
    else if (!stepIds.has(value[end] as string)) errors.add(`${at}.${end}`, `names no step: there is no step "${value[end] as string}"`);
  }
  if (value.id !== undefined && (typeof value.id !== "string" || !ID.test(value.id))) errors.add(`${at}.id`, `must be a letter or _ followed by letters, digits, _ . or -; got ${show(value.id)}`);
  if (value.name !== undefined && typeof value.name !== "string") errors.add(`${at}.name`, `must be text; got ${show(value.name)}`);
  if (value.default !== undefined && typeof value.default !== "boolean") errors.add(`${at}.default`, `must be true or false; got ${show(value.default)}`);
  const when = value.when === undefined ? undefined : parseCondition(errors, value.when, `${at}.when`);
  if (when !== undefined && value.default === true) errors.add(at, `is the default branch, which is taken when no condition holds; it has no "when"`);
  let points: [number, number][] | undefined;
  if (value.points !== undefined) {
    const ok = Array.isArray(value.points) && value.points.every((p) => Array.isArray(p) && p.length === 2 && p.every((n) => typeof n === "number" && Number.isFinite(n)));
    if (!ok) errors.add(`${at}.points`, `must be a list of [x, y] pairs; got ${show(value.points)}`);
    else points = (value.points as [number, number][]).map(([x, y]) => [Math.round(x), Math.round(y)]);
  }
  const from = String(value.from);
  const to = String(value.to);
  return {
    id: typeof value.id === "string" ? value.id : `flow_${from}_${to}`,
    from,
    to,
    ...(typeof value.name === "string" && value.name !== "" ? { name: value.name } : {}),
    ...(when ? { when } : {}),
    ...(value.default === true ? { default: true } : {}),
    ...(points ? { points } : {}),
  };
}

function parseCondition(errors: FieldErrors, value: unknown, at: string): Condition | undefined {
  if (!isObject(value)) {
    errors.add(at, `must be a condition such as {"field": "priority", "op": "eq", "value": "5 very high"}; got ${show(value)}`);
    return undefined;
  }
  const { field, op, value: expected } = value;
  if (!CONDITION_FIELDS.includes(field as never)) errors.add(`${at}.field`, `must be one of ${CONDITION_FIELDS.join(", ")}; got ${show(field)}`);
  if (!CONDITION_OPS.includes(op as never)) errors.add(`${at}.op`, `must be one of ${CONDITION_OPS.join(", ")}; got ${show(op)}`);
  const okValue = op === "in" ? Array.isArray(expected) && expected.every((v) => typeof v === "string" || typeof v === "number") : typeof expected === "string" || typeof expected === "number";
  if (!okValue) errors.add(`${at}.value`, op === "in" ? `must be a list of values for "in"; got ${show(expected)}` : `must be text or a number; got ${show(expected)}`);
  for (const key of Object.keys(value)) if (!["field", "op", "value"].includes(key)) errors.add(`${at}.${key}`, "is not a field of a condition; the fields are field, op, value");
  return { field, op, value: expected } as Condition;
}
