import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProcessHost, emma } from "./support/process-host.js";

let p: ProcessHost;
beforeAll(async () => {
  p = await ProcessHost.open("2026-03-20T09:00:00Z");
});
afterAll(() => p.close());

const step = (id: string, type: string, extra: Record<string, unknown> = {}) => ({ id, type, name: "", ...extra });
const chain = (...ids: string[]) => ids.slice(1).map((to, i) => ({ from: ids[i], to }));
const problemsOf = async (definition: unknown) => (await p.json("validate_process", { params: { id: "1" }, body: definition })).problems.map((x: any) => x.problem);

describe("validation", () => {
  it("finds unreachable steps, decisions without a default branch and cycles without a wait", async () => {
    const problems = await problemsOf({
      name: "Broken",
      steps: [step("s", "start"), step("d", "decision"), step("a", "set", { fields: { priority: "5 very high" } }), step("b", "set", { fields: { state: "open" } }), step("lost", "wait", { minutes: 5 }), step("e", "end")],
      flows: [...chain("s", "d"), { from: "d", to: "a", when: { field: "priority_id", op: "lt", value: 5 } }, { from: "d", to: "e", when: { field: "state", op: "eq", value: "new" } }, ...chain("a", "b", "d"), { from: "lost", to: "e" }],
    });
    expect(problems).toEqual([
      `decision step "d" has no default branch; mark one outgoing flow as default, for tickets no condition matches`,
      `wait step "lost" is unreachable: no path leads to it from the start`,
      `the cycle "d" -> "a" -> "b" -> "d" has no wait or task step, so an instance would loop without pause; put a wait in it`,
    ]);
  });

  it("accepts a cycle through a wait, and the sample process", async () => {
    const looping = {
      name: "Remind until answered",
      steps: [step("s", "start"), step("w", "wait", { minutes: 60 }), step("d", "decision"), step("m", "email", { to: "owner", subject: "Still open: {{ticket.tn}}", body: "" }), step("e", "end")],
      flows: [...chain("s", "w", "d"), { from: "d", to: "m", when: { field: "state_type", op: "in", value: ["new", "open"] } }, { from: "d", to: "e", default: true }, { from: "m", to: "w" }],
    };
    expect(await problemsOf(looping)).toEqual([]);
    expect((await p.json("validate_process", { params: { id: "1" }, body: "" })).valid).toBe(true);
  });

  it("refuses to publish a draft with problems, naming them", async () => {
    const created = await p.json("create_process", { body: { name: "Half drawn", steps: [step("s", "start"), step("t", "task")], flows: chain("s", "t") } }, 201);
    expect(created.problems.map((x: any) => x.element)).toEqual([undefined, "t", "t"]);
    const res = await p.call("publish_process", { params: { id: String(created.id) }, body: "" });
    expect(res.status).toBe(422);
    expect(JSON.parse(String(res.body)).error).toBe(
      `process ${created.id} cannot be published: the process has no end step; add one so instances can complete; task step "t" leads nowhere; connect it to the next step; task step "t" is assigned to nobody; give it a "queue" or an "agent"`,
    );
  });

  it("says which fields of a definition are wrong and what they take", async () => {
    const res = await p.call("create_process", {
      body: { name: "", steps: [step("s", "start", { on: ["closed"] }), { id: "w", type: "wait", minutes: 0, colour: "red" }, { id: "x", type: "loop" }], flows: [{ from: "s", to: "nowhere" }] },
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(String(res.body)).error).toBe(
      `invalid process: "name" must be non-empty text; got ""; "steps[0].on" must be a non-empty list of ticket events (created, state_changed, queue_changed, note_added); got ["closed"]; ` +
        `"steps[1].colour" is not a setting of a wait step; its settings are minutes, event; "steps[1].minutes" must be a whole number of minutes from 1 to 525600 (a year); got 0; ` +
        `"steps[2].type" must be one of start, task, decision, wait, email, set, end; got "loop"; "flows[0].to" names no step: there is no step "nowhere"`,
    );
    const typo = await problemsOf({ name: "Typo", steps: [step("s", "start"), step("m", "email", { to: "customer", subject: "{{ticket.number}}", body: "" }), step("e", "end")], flows: chain("s", "m", "e") });
    expect(typo[0]).toMatch(/^email step "m" uses \{\{ticket.number\}\}, which is not a template field; the fields are \{\{ticket.id\}\}, \{\{ticket.tn\}\}/);
    expect((await p.call("create_process", { body: { name: "x" }, user: emma })).status).toBe(403);
  });
});

describe("import and export", () => {
  it("round-trips a definition through JSON", async () => {
    const exported = await p.json("export_process", { params: { id: "1" }, query: { version: "1" } });
    expect(exported.format).toBe("goatkit-process/1");
    const copy = await p.json("create_process", { body: { ...exported, name: "Copy of the sample" } }, 201);
    expect({ ...(await p.json("export_process", { params: { id: String(copy.id) } })), name: exported.name }).toEqual(exported);
  });

  it("round-trips through BPMN 2.0 XML, with the diagram", async () => {
    const json = await p.json("export_process", { params: { id: "1" } });
    const res = await p.call("export_process", { params: { id: "1" }, query: { format: "bpmn" } });
    expect(res.headers["content-type"]).toBe("application/xml; charset=utf-8");
    expect(res.headers["content-disposition"]).toBe('attachment; filename="support-escalation.bpmn"');
    const xml = String(res.body);
    for (const element of ['<bpmn:startEvent id="start"', '<bpmn:serviceTask id="assign"', '<bpmn:exclusiveGateway id="check" name="Closed yet?" default="flow_check_end"', '<bpmn:sendTask id="escalate"', '<bpmn:userTask id="review"', '<bpmn:endEvent id="end"']) {
      expect(xml).toContain(element);
    }
    expect(xml).toContain('<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">PT240M</bpmn:timeDuration>');
    expect(xml).toContain('<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">state_type ne closed</bpmn:conditionExpression>');
    expect(xml).toContain('<bpmndi:BPMNShape id="wait_di" bpmnElement="wait">\n        <dc:Bounds x="322" y="182" width="36" height="36" />');
    const imported = await p.json("create_process", { body: xml.replace('name="Support escalation"', 'name="Imported"') }, 201);
    expect({ ...imported.draft, name: json.name }).toEqual(json);
    const again = String((await p.call("export_process", { params: { id: String(imported.id) }, query: { format: "bpmn" } })).body);
    expect(again.replace('name="Imported"', 'name="Support escalation"')).toBe(xml);
  });

  it("reads BPMN from other modelers: timers, condition expressions, bent flows", async () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="d">
  <process id="p" name="From elsewhere">
    <startEvent id="s" />
    <intermediateCatchEvent id="w" name="Two hours"><timerEventDefinition><timeDuration>PT2H</timeDuration></timerEventDefinition></intermediateCatchEvent>
    <exclusiveGateway id="g" default="f4" />
    <task id="t" name="Call back" />
    <endEvent id="e" />
    <sequenceFlow id="f1" sourceRef="s" targetRef="w" />
    <sequenceFlow id="f2" sourceRef="w" targetRef="g" />
    <sequenceFlow id="f3" sourceRef="g" targetRef="t"><conditionExpression>priority_id gt 3</conditionExpression></sequenceFlow>
    <sequenceFlow id="f4" sourceRef="g" targetRef="e" />
    <sequenceFlow id="f5" sourceRef="t" targetRef="e" />
  </process>
  <bpmndi:BPMNDiagram><bpmndi:BPMNPlane bpmnElement="p">
    <bpmndi:BPMNShape bpmnElement="t"><dc:Bounds x="300" y="60" width="100" height="80" /></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge bpmnElement="f5"><di:waypoint x="400" y="100" /><di:waypoint x="450" y="100" /><di:waypoint x="450" y="200" /></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</definitions>`;
    const res = await p.call("validate_process", { params: { id: "1" }, body: xml });
    expect(JSON.parse(String(res.body)).problems.map((x: any) => x.problem)).toEqual([`task step "t" (Call back) is assigned to nobody; give it a "queue" or an "agent"`]);
    const created = await p.json("create_process", { body: xml }, 201);
    expect(created.draft.steps.find((s: any) => s.id === "w")).toEqual({ id: "w", type: "wait", name: "Two hours", minutes: 120 });
    expect(created.draft.flows.find((f: any) => f.id === "f3")).toEqual({ id: "f3", from: "g", to: "t", when: { field: "priority_id", op: "gt", value: "3" } });
    expect(created.draft.flows.find((f: any) => f.id === "f4").default).toBe(true);
    expect(created.draft.flows.find((f: any) => f.id === "f5").points).toEqual([[400, 100], [450, 100], [450, 200]]);
  });

  it("reads settings written with numeric character references, as bpmn-js writes them", async () => {
    const xml = `<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:goatkit="https://goatkit.dev/schema/process/1"><bpmn:process id="p" name="Entities">
      <bpmn:userTask id="t" name="Tom &amp; Jerry" goatkit:settings="{&#34;agent&#34;:&#34;emma.larsen&#34;,&#34;queue&#34;:&#34;R&amp;D \\&#x22;lab\\&#x22;&#34;}" /></bpmn:process></bpmn:definitions>`;
    const created = await p.json("create_process", { body: xml }, 201);
    expect(created.draft.steps).toEqual([{ id: "t", type: "task", name: "Tom & Jerry", agent: "emma.larsen", queue: 'R&D "lab"' }]);
  });

  it("refuses BPMN elements that have no process step, by name", async () => {
    const xml = `<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p" name="Fork"><startEvent id="s" /><parallelGateway id="fork" /></process></definitions>`;
    const res = await p.call("create_process", { body: xml });
    expect(res.status).toBe(400);
    expect(JSON.parse(String(res.body)).error).toBe(
      `invalid BPMN: <bpmn:parallelGateway> "fork" has no process step; use start and end events, tasks (user: task, send: email, service: set), exclusive gateways (decision) and intermediate catch events (wait)`,
    );
    const broken = await p.call("create_process", { body: "<definitions><process" });
    expect(JSON.parse(String(broken.body)).error).toMatch(/^invalid BPMN: the XML does not parse: /);
  });
});
