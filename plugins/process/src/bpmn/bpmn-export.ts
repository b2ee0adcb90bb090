/**
 * A definition as BPMN 2.0 XML, the designer's format: each step becomes the BPMN element that
 * means the same (start event, user task, exclusive gateway, timer or message catch event, send
 * task, service task, end event), with its settings in a `goatkit:settings` attribute and a
 * diagram (BPMNDI) laid out from the steps' positions, or left to right when they have none.
 */
import type { Definition, Flow, Step, StepType } from "../model/definition.js";
import { describeCondition } from "../model/condition.js";

export const GOATKIT_NS = "https://goatkit.dev/schema/process/1";

const ELEMENT: Record<StepType, string> = {
  start: "startEvent",
  task: "userTask",
  decision: "exclusiveGateway",
  wait: "intermediateCatchEvent",
  email: "sendTask",
  set: "serviceTask",
  end: "endEvent",
};

/** Shape sizes bpmn-js draws for each kind of element. */
export function shapeSize(type: StepType): { width: number; height: number } {
  if (type === "decision") return { width: 50, height: 50 };
  if (type === "start" || type === "end" || type === "wait") return { width: 36, height: 36 };
  return { width: 100, height: 80 };
}

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/\n/g, "&#10;");

/** The step's own settings (what is not id, type, name or position). */
export function stepSettings(step: Step): Record<string, unknown> {
  const { id: _id, type: _type, name: _name, x: _x, y: _y, ...settings } = step as Step & Record<string, unknown>;
  return settings;
}

/** Positions for steps without one: columns by distance from the start, rows within a column. */
function layout(definition: Definition): Map<string, { x: number; y: number }> {
  const depth = new Map<string, number>();
  const start = definition.steps.find((s) => s.type === "start") ?? definition.steps[0];
  if (start) {
    depth.set(start.id, 0);
    const queue = [start.id];
    while (queue.length > 0) {
      const id = queue.shift()!;
      for (const f of definition.flows) {
        if (f.from === id && !depth.has(f.to)) {
          depth.set(f.to, depth.get(id)! + 1);
          queue.push(f.to);
        }
      }
    }
  }
  const rows = new Map<number, number>();
  const at = new Map<string, { x: number; y: number }>();
  for (const step of definition.steps) {
    const column = depth.get(step.id) ?? Math.max(0, ...depth.values()) + 1;
    const row = rows.get(column) ?? 0;
    rows.set(column, row + 1);
    const size = shapeSize(step.type);
    // Centre every shape on its cell so flows between them run straight.
    at.set(step.id, { x: step.x ?? 100 + column * 160 + (100 - size.width) / 2, y: step.y ?? 100 + row * 130 + (80 - size.height) / 2 });
  }
  return at;
}

function stepXml(step: Step, flows: readonly Flow[]): string {
  const tag = `bpmn:${ELEMENT[step.type]}`;
  const settings = stepSettings(step);
  const attrs = [`id="${escape(step.id)}"`];
  if (step.name) attrs.push(`name="${escape(step.name)}"`);
  if (step.type === "decision") {
    const fallback = flows.find((f) => f.from === step.id && f.default);
    if (fallback) attrs.push(`default="${escape(fallback.id)}"`);
  }
  if (Object.keys(settings).length > 0) attrs.push(`goatkit:settings="${escape(JSON.stringify(settings))}"`);
  const inner: string[] = [];
  for (const f of flows) if (f.to === step.id) inner.push(`<bpmn:incoming>${escape(f.id)}</bpmn:incoming>`);
  for (const f of flows) if (f.from === step.id) inner.push(`<bpmn:outgoing>${escape(f.id)}</bpmn:outgoing>`);
  if (step.type === "wait" && step.minutes !== undefined) inner.push(`<bpmn:timerEventDefinition id="${escape(step.id)}_timer"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">PT${step.minutes}M</bpmn:timeDuration></bpmn:timerEventDefinition>`);
  if (step.type === "wait" && step.event !== undefined) inner.push(`<bpmn:messageEventDefinition id="${escape(step.id)}_message" />`);
  return inner.length === 0 ? `    <${tag} ${attrs.join(" ")} />` : `    <${tag} ${attrs.join(" ")}>\n${inner.map((l) => `      ${l}`).join("\n")}\n    </${tag}>`;
}

function flowXml(flow: Flow): string {
  const attrs = [`id="${escape(flow.id)}"`, `sourceRef="${escape(flow.from)}"`, `targetRef="${escape(flow.to)}"`];
  if (flow.name) attrs.push(`name="${escape(flow.name)}"`);
  if (flow.when) attrs.push(`goatkit:when="${escape(JSON.stringify(flow.when))}"`);
  if (!flow.when) return `    <bpmn:sequenceFlow ${attrs.join(" ")} />`;
  return `    <bpmn:sequenceFlow ${attrs.join(" ")}>\n      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${escape(describeCondition(flow.when))}</bpmn:conditionExpression>\n    </bpmn:sequenceFlow>`;
}

export function exportBpmn(definition: Definition): string {
  const at = layout(definition);
  const bounds = new Map(definition.steps.map((s) => [s.id, { ...at.get(s.id)!, ...shapeSize(s.type) }]));
  const shapes = definition.steps.map((s) => {
    const b = bounds.get(s.id)!;
    const marker = s.type === "decision" ? ` isMarkerVisible="true"` : "";
    return `      <bpmndi:BPMNShape id="${escape(s.id)}_di" bpmnElement="${escape(s.id)}"${marker}>\n        <dc:Bounds x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}" />\n      </bpmndi:BPMNShape>`;
  });
  const edges = definition.flows.map((f) => {
    const a = bounds.get(f.from)!;
    const b = bounds.get(f.to)!;
    const points = f.points ?? [
      [a.x + a.width, a.y + a.height / 2],
      [b.x, b.y + b.height / 2],
    ];
    return `      <bpmndi:BPMNEdge id="${escape(f.id)}_di" bpmnElement="${escape(f.id)}">\n${points.map(([x, y]) => `        <di:waypoint x="${x}" y="${y}" />`).join("\n")}\n      </bpmndi:BPMNEdge>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:goatkit="${GOATKIT_NS}" id="Definitions_1" targetNamespace="https://goatkit.dev/process" exporter="GoatKit process plugin" exporterVersion="0.1.0">
  <bpmn:process id="Process_1" name="${escape(definition.name)}" isExecutable="true">
${definition.description ? `    <bpmn:documentation>${escape(definition.description)}</bpmn:documentation>\n` : ""}${definition.steps.map((s) => stepXml(s, definition.flows)).join("\n")}
${definition.flows.map(flowXml).join("\n")}
  </bpmn:process>
  <bpmndi:BPMNDiagram id="Diagram_1">
    <bpmndi:BPMNPlane id="Plane_1" bpmnElement="Process_1">
${[...shapes, ...edges].join("\n")}
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
`;
}
