import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProcessHost, ada, emma, farid, hookAnswer, lines } from "./support/process-host.js";

let p: ProcessHost;
beforeAll(async () => {
  p = await ProcessHost.open("2026-03-20T09:00:00Z");
});
afterAll(() => p.close());

const step = (id: string, type: string, extra: Record<string, unknown> = {}) => ({ id, type, name: id, ...extra });
const chain = (...ids: string[]) => ids.slice(1).map((to, i) => ({ from: ids[i], to }));

describe("the sample process (new ticket in Support: assign, wait 4 h, escalate by email)", () => {
  it("starts on a new Support ticket, assigns it and waits", async () => {
    const { ticket, hook } = await p.newTicket("VPN down for the whole office");
    expect(hook.started).toHaveLength(1);
    expect(hook.started[0]).toMatchObject({ status: "waiting", step: "wait", won: true });
    const instance = await p.instance(hook.started[0].instance);
    expect(instance).toMatchObject({ process: { id: 1, name: "Support escalation" }, version: 1, status: "waiting", step: "wait", waiting_for: { until: "2026-03-20T13:00:00Z" }, ticket: { id: ticket.id } });
    expect(instance.history.map((h: any) => [h.seq, h.step, h.action, h.actor, h.via])).toEqual([
      [1, "start", "started", "emma.larsen", "hook"],
      [2, "assign", "updated", "emma.larsen", "hook"],
      [3, "wait", "waiting", "emma.larsen", "hook"],
    ]);
    expect(instance.history[1].detail).toBe("owner = emma.larsen, state = open");
    const [row] = await p.host.services.db.query("SELECT user_id, ticket_state_id FROM ticket WHERE id = ?", [ticket.id as number]);
    expect(row).toEqual({ user_id: 5, ticket_state_id: 2 });
  });

  it("does not start for tickets in other queues", async () => {
    const { hook } = await p.newTicket("Invoice wrong", "Billing");
    expect(hook.started).toEqual([]);
  });

  it("escalates by email when the wait runs out and the ticket is not closed, then waits on the review task", async () => {
    const { hook } = await p.newTicket("Printer on fire");
    const id = hook.started[0].instance;
    p.advance(239);
    expect((await p.runJob()).resumed.map((r: any) => r.instance)).not.toContain(id);
    p.advance(1);
    const job = await p.runJob();
    expect(job.resumed.find((r: any) => r.instance === id)).toMatchObject({ status: "waiting", step: "review" });
    const instance = await p.instance(id);
    expect(lines(instance.history).slice(3)).toEqual(["wait resumed", "check decided", "escalate emailed", "review assigned"]);
    expect(instance.history[4].detail).toBe(`"not closed" (state_type ne closed) -> escalate`);
    expect(instance.history[3]).toMatchObject({ actor: "job resume-waits", via: "job" });
    expect(instance.waiting_for).toEqual({ task: { agent: "ada.fischer", queue: null } });
    const mail = p.mails().filter((m) => m.subject.includes(instance.ticket.tn));
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({ to: ["support-leads@goatflow.example"], subject: `Escalation: ticket ${instance.ticket.tn} is still open after 4 hours` });
    expect(mail[0]!.text).toContain(`"Printer on fire" in Support`);
    expect(mail[0]!.text).toContain("Owner: emma.larsen");
    // The job running again (or on another host) does not send it again.
    expect((await p.runJob()).resumed.map((r: any) => r.instance)).not.toContain(id);
    expect(p.mails().filter((m) => m.subject.includes(instance.ticket.tn))).toHaveLength(1);
  });

  it("lists the task in the assignee's widget, and only the assignee or an admin completes it", async () => {
    const waiting = (await p.json("list_instances", { query: { status: "waiting", process_id: "1" } })).instances.find((i: any) => i.step === "review");
    const widget = String((await p.manager.call("process", "render_tasks_widget", { kind: "widget", user: ada })).body);
    expect(widget).toContain(`<a class="link" href="/agent/tickets/${waiting.ticket.id}"`);
    expect(widget).toContain(`<a class="link" href="/api/plugins/process/designer#instance=${waiting.id}">Support escalation #${waiting.id}</a>`);
    expect(widget).toContain("Review the escalation");
    expect(String((await p.manager.call("process", "render_tasks_widget", { kind: "widget", user: farid })).body)).toBe(
      '<div class="goatkit-process-tasks"><p class="opacity-70">No process tasks are waiting on you.</p></div>',
    );
    const refused = await p.call("complete_task", { params: { id: String(waiting.id) }, body: {}, user: farid });
    expect(refused.status).toBe(403);
    expect(JSON.parse(String(refused.body)).error).toBe(`the task of instance ${waiting.id} is assigned to another agent; they or an administrator complete it`);
    const done = await p.json("complete_task", { params: { id: String(waiting.id) }, body: {}, user: ada });
    expect(done).toMatchObject({ status: "completed", step: "end" });
    expect(lines((await p.instance(waiting.id)).history).slice(-2)).toEqual(["review resumed", "end completed"]);
    const again = await p.call("complete_task", { params: { id: String(waiting.id) }, body: {}, user: ada });
    expect(again.status).toBe(409);
  });

  it("adds a ticket's active instances to the page context before it renders", async () => {
    const { ticket, hook } = await p.newTicket("Context for the page");
    const [answer] = await p.manager.fireHook("before_render", { template: "ticket_detail", ticket_id: ticket.id });
    expect(JSON.parse(String(answer!.response.body))).toEqual({
      context: { process_instances: [{ id: hook.started[0].instance, process: "Support escalation", status: "waiting", step: "wait", step_name: "Wait 4 h", failure: null, url: `/api/plugins/process/designer#instance=${hook.started[0].instance}` }] },
    });
    const [other] = await p.manager.fireHook("before_render", { template: "dashboard" });
    expect(JSON.parse(String(other!.response.body))).toEqual({ context: {} });
  });

  it("takes the default branch when the ticket was closed during the wait", async () => {
    const { ticket, hook } = await p.newTicket("Password reset");
    await p.desk.updateTicket(ticket.id as number, { state: "closed successful" }, emma);
    p.advance(240);
    await p.runJob();
    const instance = await p.instance(hook.started[0].instance);
    expect(instance.status).toBe("completed");
    expect(lines(instance.history).slice(3)).toEqual(["wait resumed", "check decided", "end completed"]);
  });
});

describe("events, versions, errors", () => {
  it("applies a delivery of the same event once: no second instance, no second effect", async () => {
    const saved = await p.newTicket("Duplicate delivery");
    const again = hookAnswer({ ...saved, hooks: await p.manager.fireHook("after_save", saved.event) });
    expect(again).toMatchObject({ started: [], resumed: [], already_applied: 1 });
    expect((await p.json("list_instances", { query: { ticket_id: String(saved.ticket.id) } })).instances).toHaveLength(1);
  });

  it("starts a process once for a save that is several of its events", async () => {
    await p.createProcess({
      name: "Arrived in Billing",
      steps: [step("s", "start", { on: ["state_changed", "queue_changed"], queue: "Billing" }), step("t", "task", { queue: "Billing" }), step("e", "end")],
      flows: chain("s", "t", "e"),
    });
    const { ticket } = await p.newTicket("Refund please", "Raw");
    const moved = hookAnswer(await p.desk.updateTicket(ticket.id as number, { state: "open", queue: "Billing" }, emma));
    expect(moved.started).toEqual([expect.objectContaining({ status: "waiting", step: "t" })]);
    expect((await p.instance(moved.started[0].instance)).waiting_for).toEqual({ task: { agent: null, queue: "Billing" } });
  });

  it("waits for a ticket event and resumes on it", async () => {
    await p.createProcess({
      name: "Answer then close",
      steps: [step("s", "start", { on: ["created"], queue: "Sales" }), step("w", "wait", { event: "note_added" }), step("set", "set", { fields: { state: "closed successful" } }), step("e", "end")],
      flows: chain("s", "w", "set", "e"),
    });
    const { ticket, hook } = await p.newTicket("Quote for 40 seats", "Sales");
    expect(hook.started[0]).toMatchObject({ status: "waiting", step: "w" });
    const changed = hookAnswer(await p.desk.updateTicket(ticket.id as number, { priority: "4 high" }, emma));
    expect(changed.resumed).toEqual([]);
    const noted = await p.desk.addNote(ticket.id as number, "Sent the quote", farid);
    expect(hookAnswer(noted).resumed[0]).toMatchObject({ status: "completed", step: "e" });
    expect(noted.ticket.ticket_state_id).toBe(4);
    const history = (await p.instance(hook.started[0].instance)).history;
    expect(history.find((h: any) => h.action === "resumed")).toMatchObject({ step: "w", actor: "farid.costa", via: "hook" });
    expect(hookAnswer({ ...noted, hooks: await p.manager.fireHook("after_save", noted.event) })).toMatchObject({ resumed: [], already_applied: 0 });
  });

  it("keeps running instances on their version when a new one is published", async () => {
    const created = await p.createProcess({
      name: "Versioned",
      steps: [step("s", "start", { queue: "Misc" }), step("w", "wait", { minutes: 60 }), step("e", "end")],
      flows: chain("s", "w", "e"),
    });
    const first = (await p.newTicket("Old version", "Misc")).hook.started[0].instance;
    const draft = (await p.json("get_process", { params: { id: String(created.id) } })).draft;
    draft.steps[1].minutes = 5;
    await p.json("update_process", { method: "PUT", params: { id: String(created.id) }, body: draft });
    expect((await p.json("publish_process", { params: { id: String(created.id) } }, 201)).published.version).toBe(2);
    const second = (await p.newTicket("New version", "Misc")).hook.started[0].instance;
    expect(await p.instance(first)).toMatchObject({ version: 1, waiting_for: { until: expect.any(String) } });
    expect((await p.instance(second)).version).toBe(2);
    p.advance(5);
    const job = await p.runJob();
    expect(job.resumed.map((r: any) => r.instance)).toEqual([second]);
    expect((await p.instance(first)).status).toBe("waiting");
    const versions = await p.json("list_versions", { params: { id: String(created.id) } });
    expect(versions.versions.map((v: any) => [v.version, v.current])).toEqual([
      [2, true],
      [1, false],
    ]);
  });

  it("stops an instance on an error that says why, and retries it from there", async () => {
    await p.createProcess({
      name: "Mail the owner",
      steps: [step("s", "start", { queue: "Feedback" }), step("m", "email", { to: "owner", subject: "New feedback {{ticket.tn}}", body: "{{ticket.title}}" }), step("e", "end")],
      flows: chain("s", "m", "e"),
    });
    const { ticket, hook } = await p.newTicket("Love the dark mode", "Feedback");
    expect(hook.started[0]).toMatchObject({ status: "error", step: "m" });
    const failed = await p.instance(hook.started[0].instance);
    expect(failed.failure).toBe(`email step "m": the ticket has no owner with an email address`);
    expect(lines(failed.history)).toEqual(["s started", "m failed"]);
    const errors = await p.json("list_instances", { query: { status: "error" } });
    expect(errors.instances.map((i: any) => i.id)).toContain(failed.id);
    expect((await p.call("retry_instance", { params: { id: String(failed.id) }, body: {}, user: emma })).status).toBe(403);
    await p.host.services.db.exec("UPDATE ticket SET user_id = 6 WHERE id = ?", [ticket.id as number]);
    const retried = await p.json("retry_instance", { params: { id: String(failed.id) }, body: {} });
    expect(retried).toMatchObject({ status: "completed", step: "e" });
    expect(lines((await p.instance(failed.id)).history)).toEqual(["s started", "m failed", "m retried", "m emailed", "e completed"]);
    expect(p.mails().find((m) => m.subject === `New feedback ${ticket.tn}`)).toMatchObject({ to: ["farid.costa@goatflow.example"], text: "Love the dark mode" });
    const notFailed = await p.call("retry_instance", { params: { id: String(failed.id) }, body: {} });
    expect(JSON.parse(String(notFailed.body)).error).toBe(`instance ${failed.id} has not failed (it is completed at step "e"); only failed instances are retried`);
  });

  it("fails an instance its host left running mid-step, so it can be looked at and retried", async () => {
    // What a host that stopped between a step's effect and its transition leaves behind.
    const { ticket } = await p.newTicket("Interrupted");
    const id = (await p.json("list_instances", { query: { ticket_id: String(ticket.id) } })).instances[0].id;
    await p.host.services.db.exec("UPDATE process_instances SET status = 'running', current_step = 'escalate' WHERE id = ?", [id]);
    p.advance(9);
    expect((await p.runJob()).interrupted).toEqual([]);
    p.advance(2);
    expect((await p.runJob()).interrupted).toEqual([id]);
    const instance = await p.instance(id);
    expect(instance.status).toBe("error");
    expect(instance.failure).toMatch(/^the host running step "escalate" stopped before finishing it \(no progress since 2026-03-2\dT\d\d:\d\d:\d\dZ\); check whether the step's effect happened, then retry$/);
    expect((await p.json("retry_instance", { params: { id: String(id) }, body: {} })).step).toBe("review");
  });

  it("starts nothing while a process is disabled", async () => {
    await p.json("set_process_enabled", { method: "PATCH", params: { id: "1" }, body: { enabled: false } });
    expect((await p.newTicket("While disabled")).hook.started).toEqual([]);
    await p.json("set_process_enabled", { method: "PATCH", params: { id: "1" }, body: { enabled: true } });
    expect((await p.newTicket("Enabled again")).hook.started).toHaveLength(1);
  });
});
