import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT, AGENT_TOKEN, manifest, pluginsDir, startPlatform, writePlugin, type Platform } from "./support/platform.js";
import { watPlugin } from "./support/wat-plugin.js";

// The demo help desk's ticket API: every save fires after_save at the plugins with the ticket
// event (docs/envelopes.md, "Ticket events"); a plugin that echoes its request shows what it got.
let platform: Platform;
let plugins: Awaited<ReturnType<typeof pluginsDir>>;

beforeAll(async () => {
  plugins = await pluginsDir();
  await writePlugin(plugins.dir, "watcher", manifest("watcher", { hooks: ["after_save"] }), watPlugin("watcher", "1.0.0", { after_save: { echo: true } }));
  platform = await startPlatform({ demoDesk: true, managerOptions: { pluginsDir: plugins.dir, isolation: "in-process" }, hostOptions: { database: { demo: { tickets: 10, anchorDay: "2026-03-20" } } } });
});

afterAll(async () => {
  await platform?.close();
  await plugins?.remove();
});

const post = (path: string, body: unknown, method = "POST") => platform.fetch(path, { method, token: AGENT_TOKEN, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("the demo help desk", () => {
  it("creates a ticket and fires after_save with a created event", async () => {
    const res = await post("/api/demo/tickets", { title: "Printer offline", queue: "support" });
    expect(res.status).toBe(200);
    const saved = await res.json();
    // GoatFlow's own row: unassigned and unlocked, held by the admin user 1 as in OTRS.
    expect(saved.ticket).toMatchObject({ id: 11, tn: "2026000011", title: "Printer offline", queue_id: 4, ticket_state_id: 1, ticket_lock_id: 1, user_id: 1, customer_user_id: expect.any(String) });
    expect(saved.event).toEqual({ object: "ticket", event_id: expect.stringMatching(/^ticket-11-[0-9a-f-]{36}$/), ticket_id: 11, events: ["created"], user: { id: AGENT.id, login: AGENT.login } });
    expect(saved.hooks).toHaveLength(1);
    const request = JSON.parse(saved.hooks[0].response.body);
    expect(request).toMatchObject({ kind: "hook", hook: { event: "after_save", data: saved.event } });
  });

  it("names the events a change makes, and a note", async () => {
    const changed = await (await post("/api/demo/tickets/11", { state: "open", queue: "Billing", priority: "5 very high" }, "PATCH")).json();
    expect(changed.event.events).toEqual(["state_changed", "queue_changed"]);
    expect(changed.ticket).toMatchObject({ ticket_state_id: 2, queue_id: 5, ticket_priority_id: 5 });
    const same = await (await post("/api/demo/tickets/11", { state: "open" }, "PATCH")).json();
    expect(same.event.events).toEqual([]);
    const note = await (await post("/api/demo/tickets/11/notes", { body: "Called the customer" })).json();
    expect(note.event.events).toEqual(["note_added"]);
    const listed = await (await platform.fetch("/api/demo/tickets?limit=1", { token: AGENT_TOKEN })).json();
    expect(listed.tickets).toEqual([expect.objectContaining({ id: 11, queue: "Billing", state: "open" })]);
    expect(listed.queues).toEqual(["Raw", "Junk", "Misc", "Support", "Billing", "Sales", "IT Operations", "Feedback"]);
    expect(listed.states).toEqual(["new", "open", "pending reminder", "closed successful", "closed unsuccessful"]);
    // Written to GoatFlow's tables: the articles with their MIME data, the ticket's history; the
    // tutorial's views show the same ticket with its own column names.
    const db = platform.host.services.db;
    expect(await db.query(
      `SELECT ast.name AS sender, a.is_visible_for_customer AS visible, m.a_subject AS subject, m.a_body AS body
         FROM article a JOIN article_sender_type ast ON ast.id = a.article_sender_type_id JOIN article_data_mime m ON m.article_id = a.id
        WHERE a.ticket_id = 11 ORDER BY a.id`, [])).toEqual([
      { sender: "customer", visible: 1, subject: "Printer offline", body: "Printer offline" },
      { sender: "agent", visible: 0, subject: "Note", body: "Called the customer" },
    ]);
    expect((await db.query("SELECT tht.name FROM ticket_history th JOIN ticket_history_type tht ON tht.id = th.history_type_id WHERE th.ticket_id = 11 ORDER BY th.id", [])).map((r) => r.name)).toEqual([
      "NewTicket", "StateUpdate", "Move", "PriorityUpdate", "AddNote",
    ]);
    expect(await db.query("SELECT state_id, queue_id, priority_id, user_id, first_response_time, close_time FROM tickets WHERE id = 11", [])).toEqual([
      { state_id: 2, queue_id: 5, priority_id: 5, user_id: null, first_response_time: null, close_time: null },
    ]);
  });

  it("refuses bad input with what to send instead", async () => {
    const res = await post("/api/demo/tickets", { title: "x", queue: "Nowhere" });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe(`there is no queue "Nowhere"; the queues are "Raw", "Junk", "Misc", "Support", "Billing", "Sales", "IT Operations", "Feedback"`);
    const missing = await post("/api/demo/tickets/999", { state: "open" }, "PATCH");
    expect(missing.status).toBe(404);
    expect((await missing.json()).error).toBe("there is no ticket 999");
    expect((await platform.fetch("/api/demo/tickets", { token: null })).status).toBe(401);
  });
});
