/**
 * BPMN 2.0 XML to a definition (the unchecked object `parseDefinition` then reads): the
 * inverse of `exportBpmn`, for diagrams from the designer or from other BPMN modelers. Step
 * settings come from `goatkit:settings`; a timer's `timeDuration` and a flow's
 * `conditionExpression` are read when those are missing. Elements with no process step
 * (parallel gateways, sub-processes, ...) are refused by name.
 */
import { XMLParser } from "fast-xml-parser";
import { PluginError } from "@goatkit/sdk/guest";
import { CONDITION_FIELDS, CONDITION_OPS } from "../model/condition.js";
import { FORMAT, type StepType } from "../model/definition.js";

const TYPE_OF: Record<string, StepType> = {
  startEvent: "start",
  endEvent: "end",
  exclusiveGateway: "decision",
  intermediateCatchEvent: "wait",
  task: "task",
  userTask: "task",
  manualTask: "task",
  sendTask: "email",
  serviceTask: "set",
  scriptTask: "set",
  businessRuleTask: "set",
};
const IGNORED = new Set(["documentation", "extensionElements", "laneSet", "textAnnotation", "association", "incoming", "outgoing"]);

/** fast-xml-parser's ordered form: `{ tag: children[], ":@": { "@_attr": value } }`. */
type Node = Record<string, unknown> & { ":@"?: Record<string, string> };

const tagOf = (node: Node) => Object.keys(node).find((k) => k !== ":@")!;
const childrenOf = (node: Node) => (node[tagOf(node)] as Node[] | undefined) ?? [];
const attr = (node: Node, name: string): string | undefined => node[":@"]?.[`@_${name}`];
const textOf = (node: Node): string =>
  childrenOf(node)
    .map((c) => (typeof c["#text"] === "string" || typeof c["#text"] === "number" ? String(c["#text"]) : ""))
    .join("");

function bad(message: string): never {
  throw new PluginError(`invalid BPMN: ${message}`, 400, "VALIDATION_FAILED");
}

function json(text: string, where: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  bad(`${where} must hold a JSON object; got ${JSON.stringify(text)}`);
}

/** `PT4H`, `PT90M`, `P1DT2H` as minutes. */
function durationMinutes(text: string): number | undefined {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(text.trim());
  if (!m || text.trim() === "P" || text.trim() === "PT") return undefined;
  return Number(m[1] ?? 0) * 1440 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/** `state_type ne closed` as a condition. */
function conditionFromText(text: string): Record<string, unknown> | undefined {
  const m = /^\s*([a-z_]+)\s+([a-z]+)\s+(.+?)\s*$/.exec(text);
  if (!m || !CONDITION_FIELDS.includes(m[1] as never) || !CONDITION_OPS.includes(m[2] as never)) return undefined;
  const value = m[2] === "in" ? m[3]!.split("|") : m[3]!;
  return { field: m[1], op: m[2], value };
}

export function importBpmn(xml: string): Record<string, unknown> {
  let document: Node[];
  try {
    document = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@_", removeNSPrefix: true, preserveOrder: true, htmlEntities: true, parseAttributeValue: false, parseTagValue: false, trimValues: false }).parse(xml, true) as Node[];
  } catch (error) {
    bad(`the XML does not parse: ${(error as Error).message}`);
  }
  const definitions = document.find((n) => tagOf(n) === "definitions");
  if (!definitions) bad("the document has no <bpmn:definitions> element");
  const processes = childrenOf(definitions).filter((n) => tagOf(n) === "process");
  if (processes.length !== 1) bad(`the document has ${processes.length} <bpmn:process> elements; a process definition is exactly one (no collaborations with several pools)`);
  const process = processes[0]!;

  const bounds = new Map<string, { x: number; y: number; width: number; height: number }>();
  const waypoints = new Map<string, [number, number][]>();
  const walkDiagram = (node: Node) => {
    const tag = tagOf(node);
    const element = attr(node, "bpmnElement");
    if (tag === "BPMNShape" && element) {
      const b = childrenOf(node).find((c) => tagOf(c) === "Bounds");
      if (b) bounds.set(element, { x: Number(attr(b, "x")), y: Number(attr(b, "y")), width: Number(attr(b, "width")), height: Number(attr(b, "height")) });
    } else if (tag === "BPMNEdge" && element) {
      waypoints.set(
        element,
        childrenOf(node)
          .filter((c) => tagOf(c) === "waypoint")
          .map((w) => [Math.round(Number(attr(w, "x"))), Math.round(Number(attr(w, "y")))]),
      );
    } else if (tag !== "#text") childrenOf(node).forEach(walkDiagram);
  };
  childrenOf(definitions).filter((n) => tagOf(n) === "BPMNDiagram").forEach(walkDiagram);

  const steps: Record<string, unknown>[] = [];
  const flows: Record<string, unknown>[] = [];
  const defaults = new Set<string>();
  let description = "";
  for (const node of childrenOf(process)) {
    const tag = tagOf(node);
    if (tag === "#text") continue;
    if (tag === "documentation") {
      description = textOf(node);
      continue;
    }
    const id = attr(node, "id") ?? "";
    const name = attr(node, "name");
    if (tag === "sequenceFlow") {
      const from = attr(node, "sourceRef");
      const to = attr(node, "targetRef");
      const flow: Record<string, unknown> = { id, from, to };
      if (name) flow.name = name;
      const when = attr(node, "when");
      const expression = childrenOf(node).find((c) => tagOf(c) === "conditionExpression");
      if (when !== undefined) flow.when = json(when, `goatkit:when of flow "${id}"`);
      else if (expression && textOf(expression).trim() !== "") {
        const parsed = conditionFromText(textOf(expression));
        if (!parsed) bad(`flow "${id}" has the condition ${JSON.stringify(textOf(expression))}; write it as "<field> <op> <value>", e.g. "priority_id gt 3" (fields ${CONDITION_FIELDS.join(", ")}; ops ${CONDITION_OPS.join(", ")})`);
        flow.when = parsed;
      }
      const points = waypoints.get(id);
      if (points && points.length >= 2) flow.points = points;
      flows.push(flow);
      continue;
    }
    const type = TYPE_OF[tag];
    if (type === undefined) {
      if (IGNORED.has(tag)) continue;
      bad(`<bpmn:${tag}> "${id}" has no process step; use start and end events, tasks (user: task, send: email, service: set), exclusive gateways (decision) and intermediate catch events (wait)`);
    }
    const settingsText = attr(node, "settings");
    const step: Record<string, unknown> = { id, type, name: name ?? "" };
    const b = bounds.get(id);
    if (b) Object.assign(step, { x: Math.round(b.x), y: Math.round(b.y) });
    Object.assign(step, settingsText === undefined ? {} : json(settingsText, `goatkit:settings of "${id}"`));
    if (type === "wait" && step.minutes === undefined && step.event === undefined) {
      const timer = childrenOf(node).find((c) => tagOf(c) === "timerEventDefinition");
      const duration = timer && childrenOf(timer).find((c) => tagOf(c) === "timeDuration");
      if (duration) {
        const minutes = durationMinutes(textOf(duration));
        if (minutes === undefined) bad(`the timer of "${id}" lasts ${JSON.stringify(textOf(duration))}; give an ISO 8601 duration such as PT4H or PT30M`);
        step.minutes = minutes;
      }
    }
    if (type === "decision") {
      const fallback = attr(node, "default");
      if (fallback) defaults.add(fallback);
    }
    steps.push(step);
  }
  for (const flow of flows) {
    if (defaults.has(flow.id as string)) flow.default = true;
    // Straight lines between the shapes are what the export draws anyway: leave them out.
    const a = bounds.get(flow.from as string);
    const b = bounds.get(flow.to as string);
    const points = flow.points as [number, number][] | undefined;
    if (points && a && b && points.length === 2) {
      const straight = [
        [a.x + a.width, a.y + a.height / 2],
        [b.x, b.y + b.height / 2],
      ];
      if (points.every(([x, y], i) => x === Math.round(straight[i]![0]!) && y === Math.round(straight[i]![1]!))) delete flow.points;
    }
  }
  return { format: FORMAT, name: attr(process, "name") ?? "", description, steps, flows };
}
