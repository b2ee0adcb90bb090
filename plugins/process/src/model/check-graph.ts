/**
 * Whether a definition can run, as a list of problems an administrator fixes before publishing:
 * one start step; every step reachable from it; flows that fit their steps (a decision has a
 * default branch and conditions on the others, other steps have one way on, an end none); every
 * cycle passes a step that waits (a wait or a task), so an instance cannot loop without pause.
 */
import { TEMPLATE_FIELDS, unknownPlaceholders } from "../engine/email-template.js";
import type { Definition, Flow, Step } from "./definition.js";

export interface GraphProblem {
  /** The step or flow the problem is about; absent for the process as a whole. */
  element?: string;
  problem: string;
}

const label = (step: Step) => (step.name ? `${step.type} step "${step.id}" (${step.name})` : `${step.type} step "${step.id}"`);

export function checkGraph(definition: Definition): GraphProblem[] {
  const problems: GraphProblem[] = [];
  const { steps, flows } = definition;
  const outgoing = new Map<string, Flow[]>(steps.map((s) => [s.id, []]));
  const incoming = new Map<string, Flow[]>(steps.map((s) => [s.id, []]));
  for (const flow of flows) {
    outgoing.get(flow.from)?.push(flow);
    incoming.get(flow.to)?.push(flow);
  }

  const starts = steps.filter((s) => s.type === "start");
  if (starts.length === 0) problems.push({ problem: "the process has no start step; add one (it says which ticket events start an instance)" });
  if (starts.length > 1) problems.push({ problem: `the process has ${starts.length} start steps (${starts.map((s) => `"${s.id}"`).join(", ")}); keep one` });
  if (!steps.some((s) => s.type === "end")) problems.push({ problem: "the process has no end step; add one so instances can complete" });

  for (const step of steps) {
    const out = outgoing.get(step.id)!;
    const into = incoming.get(step.id)!;
    if (step.type === "start" && into.length > 0) problems.push({ element: step.id, problem: `${label(step)} has incoming flows; nothing leads back to a start` });
    if (step.type === "end") {
      if (out.length > 0) problems.push({ element: step.id, problem: `${label(step)} has outgoing flows; an end step finishes the instance` });
      continue;
    }
    if (step.type === "decision") {
      const defaults = out.filter((f) => f.default);
      if (defaults.length === 0) problems.push({ element: step.id, problem: `${label(step)} has no default branch; mark one outgoing flow as default, for tickets no condition matches` });
      if (defaults.length > 1) problems.push({ element: step.id, problem: `${label(step)} has ${defaults.length} default branches; keep one` });
      for (const flow of out) if (!flow.default && !flow.when) problems.push({ element: flow.id, problem: `flow "${flow.id}" out of ${label(step)} has no condition; give it one, or make it the default branch` });
      continue;
    }
    if (out.length === 0) problems.push({ element: step.id, problem: `${label(step)} leads nowhere; connect it to the next step` });
    if (out.length > 1) problems.push({ element: step.id, problem: `${label(step)} has ${out.length} outgoing flows; only a decision branches, so keep one or put a decision after it` });
    for (const flow of out) if (flow.when || flow.default) problems.push({ element: flow.id, problem: `flow "${flow.id}" has a condition or is a default, but only flows out of a decision may` });
    if (step.type === "wait" && step.minutes === undefined && step.event === undefined) problems.push({ element: step.id, problem: `${label(step)} says neither how long ("minutes") nor for which ticket event ("event") to wait` });
    if (step.type === "task" && step.queue === undefined && step.agent === undefined) problems.push({ element: step.id, problem: `${label(step)} is assigned to nobody; give it a "queue" or an "agent"` });
    if (step.type === "email") {
      if (step.to === "") problems.push({ element: step.id, problem: `${label(step)} has no recipient ("to": "owner", "customer" or an address)` });
      if (step.subject.trim() === "") problems.push({ element: step.id, problem: `${label(step)} has no subject` });
      const unknown = [...unknownPlaceholders(step.subject), ...unknownPlaceholders(step.body)];
      if (unknown.length > 0) problems.push({ element: step.id, problem: `${label(step)} uses ${unknown.map((u) => `{{${u}}}`).join(", ")}, which ${unknown.length === 1 ? "is" : "are"} not a template field; the fields are ${TEMPLATE_FIELDS.map((f) => `{{${f}}}`).join(", ")}` });
    }
    if (step.type === "set" && Object.keys(step.fields).length === 0) problems.push({ element: step.id, problem: `${label(step)} changes no field; give it "fields"` });
  }

  if (starts.length === 1) {
    const reached = new Set<string>([starts[0]!.id]);
    const queue = [starts[0]!.id];
    while (queue.length > 0) {
      for (const flow of outgoing.get(queue.shift()!)!) {
        if (!reached.has(flow.to)) {
          reached.add(flow.to);
          queue.push(flow.to);
        }
      }
    }
    for (const step of steps) if (!reached.has(step.id)) problems.push({ element: step.id, problem: `${label(step)} is unreachable: no path leads to it from the start` });
  }

  for (const cycle of cyclesWithoutWait(steps, outgoing)) {
    problems.push({ element: cycle[0], problem: `the cycle ${[...cycle, cycle[0]].map((id) => `"${id}"`).join(" -> ")} has no wait or task step, so an instance would loop without pause; put a wait in it` });
  }
  return problems;
}

/**
 * Cycles among steps that do not wait: strongly connected components (Tarjan) of the graph
 * without wait and task steps, reported once each as one of their cycles.
 */
function cyclesWithoutWait(steps: readonly Step[], outgoing: ReadonlyMap<string, Flow[]>): string[][] {
  const moving = new Set(steps.filter((s) => s.type !== "wait" && s.type !== "task").map((s) => s.id));
  const next = (id: string) => outgoing.get(id)!.map((f) => f.to).filter((to) => moving.has(to));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let counter = 0;
  const visit = (id: string) => {
    index.set(id, counter);
    low.set(id, counter++);
    stack.push(id);
    onStack.add(id);
    for (const to of next(id)) {
      if (!index.has(to)) {
        visit(to);
        low.set(id, Math.min(low.get(id)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(id, Math.min(low.get(id)!, index.get(to)!));
    }
    if (low.get(id) === index.get(id)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== id);
      if (component.length > 1 || next(id).includes(id)) cycles.push(cycleIn(new Set(component), id, next));
    }
  };
  for (const id of moving) if (!index.has(id)) visit(id);
  return cycles;
}

/** One cycle through `start` inside a strongly connected component, by breadth-first search. */
function cycleIn(component: ReadonlySet<string>, start: string, next: (id: string) => string[]): string[] {
  const parent = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const to of next(id)) {
      if (!component.has(to)) continue;
      if (to === start) {
        const path = [id];
        while (path[0] !== start) path.unshift(parent.get(path[0]!)!);
        return path;
      }
      if (!parent.has(to)) {
        parent.set(to, id);
        queue.push(to);
      }
    }
  }
  return [start];
}
