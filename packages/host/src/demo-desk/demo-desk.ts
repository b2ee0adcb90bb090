import { randomUUID } from "node:crypto";
import type { HookResult } from "../manager/hook-dispatch.js";
import type { PluginManager } from "../manager/plugin-manager.js";
import { sqlTime } from "../services/database/demo-data.js";
import type { DatabaseService, Row, SqlValue } from "../services/types.js";
import { GoatKitError } from "../errors.js";

/** The ticket events an `after_save` for a ticket carries (docs/envelopes.md, "Ticket events"). */
export type TicketEvent = "created" | "state_changed" | "queue_changed" | "note_added";

/** Who saves a ticket. */
export interface DeskUser {
  id: number;
  login: string;
}

export interface NewTicket {
  title: string;
  /** The queue's name. */
  queue: string;
  /** The customer's first message; default: the title. */
  body?: string;
  /** `customers.id`; default 1. */
  customer_id?: number;
  /** The priority's name; default "3 normal". */
  priority?: string;
}

export interface TicketChange {
  state?: string;
  queue?: string;
  priority?: string;
  title?: string;
}

/** A save's outcome: the ticket as stored, the event fired and what each plugin answered. */
export interface SavedTicket {
  ticket: Row;
  event: TicketSaveEvent;
  hooks: HookResult[];
}

/** The data of the `after_save` hook for a ticket. */
export interface TicketSaveEvent {
  object: "ticket";
  /** Names this save: a plugin that sees the same id twice is seeing the same event. */
  event_id: string;
  ticket_id: number;
  events: TicketEvent[];
  user: DeskUser | null;
}

/** A refusal the HTTP layer answers with status 400 or 404. */
export class DemoDeskError extends GoatKitError {
  declare readonly code: "E_BAD_REQUEST" | "E_NOT_FOUND";

  constructor(message: string, status: 400 | 404) {
    super(status === 404 ? "E_NOT_FOUND" : "E_BAD_REQUEST", message);
    this.name = "DemoDeskError";
  }
}

const FIELDS = ["state", "queue", "priority", "title"] as const;

/**
 * The demo help desk's ticket writes: creating a ticket, changing its state, queue, priority
 * or title, and adding a note. Each save fires `after_save` at the plugins, the way the
 * GoatFlow core does, so processes and other hooks can be tried without the core.
 */
export class DemoDesk {
  constructor(
    private readonly db: DatabaseService,
    private readonly manager: Pick<PluginManager, "fireHook">,
    private readonly now: () => number = Date.now,
  ) {}

  async createTicket(input: NewTicket, user: DeskUser | null): Promise<SavedTicket> {
    const title = typeof input.title === "string" ? input.title.trim() : "";
    if (title === "" || title.length > 255) throw new DemoDeskError(`"title" must be text of 1 to 255 characters; got ${JSON.stringify(input.title)}`, 400);
    const queueId = await this.idOf("queues", "name", input.queue, "queue");
    const priorityId = await this.idOf("ticket_priorities", "name", input.priority ?? "3 normal", "priority");
    const customerId = input.customer_id ?? 1;
    if ((await this.db.query("SELECT id FROM customers WHERE id = ?", [customerId])).length === 0) throw new DemoDeskError(`"customer_id" names no customer: there is no customer ${customerId}`, 400);
    const time = sqlTime(this.now());
    const id = Number((await this.db.query("SELECT COALESCE(MAX(id), 0) + 1 AS id FROM tickets", []))[0]!.id);
    await this.db.exec(
      "INSERT INTO tickets (id, tn, title, queue_id, state_id, priority_id, customer_id, user_id, create_time, change_time, first_response_time, close_time) VALUES (?, ?, ?, ?, 1, ?, ?, NULL, ?, ?, NULL, NULL)",
      [id, String(2026_000_000 + id), title, queueId, priorityId, customerId, time, time],
    );
    await this.insertArticle(id, "customer", null, customerId, title, input.body ?? title, time);
    return this.saved(id, ["created"], user);
  }

  async updateTicket(id: number, change: TicketChange, user: DeskUser | null): Promise<SavedTicket> {
    const before = await this.ticket(id);
    const unknown = Object.keys(change).filter((k) => !(FIELDS as readonly string[]).includes(k));
    if (unknown.length > 0) throw new DemoDeskError(`${unknown.map((k) => `"${k}"`).join(", ")} cannot be changed here; the fields are ${FIELDS.join(", ")}`, 400);
    const set: Record<string, SqlValue> = {};
    if (change.state !== undefined) set.state_id = await this.idOf("ticket_states", "name", change.state, "state");
    if (change.queue !== undefined) set.queue_id = await this.idOf("queues", "name", change.queue, "queue");
    if (change.priority !== undefined) set.priority_id = await this.idOf("ticket_priorities", "name", change.priority, "priority");
    if (change.title !== undefined) set.title = change.title;
    const columns = Object.keys(set);
    if (columns.length === 0) throw new DemoDeskError(`nothing to change: give one of ${FIELDS.join(", ")}`, 400);
    await this.db.exec(`UPDATE tickets SET ${columns.map((c) => `${c} = ?`).join(", ")}, change_time = ? WHERE id = ?`, [...columns.map((c) => set[c]!), sqlTime(this.now()), id]);
    const events: TicketEvent[] = [];
    if (set.state_id !== undefined && Number(set.state_id) !== Number(before.state_id)) events.push("state_changed");
    if (set.queue_id !== undefined && Number(set.queue_id) !== Number(before.queue_id)) events.push("queue_changed");
    return this.saved(id, events, user);
  }

  async addNote(id: number, body: string, user: DeskUser | null): Promise<SavedTicket> {
    await this.ticket(id);
    if (typeof body !== "string" || body.trim() === "") throw new DemoDeskError(`"body" must be the note's text; got ${JSON.stringify(body)}`, 400);
    const time = sqlTime(this.now());
    await this.insertArticle(id, "agent", user?.id ?? null, null, "Note", body, time);
    await this.db.exec("UPDATE tickets SET change_time = ? WHERE id = ?", [time, id]);
    return this.saved(id, ["note_added"], user);
  }

  /** The names of the queues and states, in id order, for forms. */
  async names(): Promise<{ queues: string[]; states: string[] }> {
    const queues = await this.db.query("SELECT name FROM queues ORDER BY id", []);
    const states = await this.db.query("SELECT name FROM ticket_states ORDER BY id", []);
    return { queues: queues.map((r) => String(r.name)), states: states.map((r) => String(r.name)) };
  }

  /** The latest tickets, newest first, with their queue and state names. */
  recentTickets(limit = 20): Promise<Row[]> {
    return Promise.resolve(
      this.db.query(
        `SELECT t.id, t.tn, t.title, q.name AS queue, s.name AS state, t.user_id, t.create_time, t.change_time
           FROM tickets t LEFT JOIN queues q ON q.id = t.queue_id LEFT JOIN ticket_states s ON s.id = t.state_id
          ORDER BY t.id DESC LIMIT ${Math.max(1, Math.min(200, Math.trunc(limit)))}`,
        [],
      ),
    );
  }

  private async saved(id: number, events: TicketEvent[], user: DeskUser | null): Promise<SavedTicket> {
    const event: TicketSaveEvent = { object: "ticket", event_id: `ticket-${id}-${randomUUID()}`, ticket_id: id, events, user: user ? { id: user.id, login: user.login } : null };
    const hooks = await this.manager.fireHook("after_save", event);
    return { ticket: await this.ticket(id), event, hooks };
  }

  private async ticket(id: number): Promise<Row> {
    const row = (await this.db.query("SELECT id, tn, title, queue_id, state_id, priority_id, customer_id, user_id, create_time, change_time FROM tickets WHERE id = ?", [id]))[0];
    if (row === undefined) throw new DemoDeskError(`there is no ticket ${id}`, 404);
    return row;
  }

  private async idOf(table: string, column: string, name: unknown, what: string): Promise<number> {
    if (typeof name !== "string" || name.trim() === "") throw new DemoDeskError(`"${what}" must be a ${what}'s name; got ${JSON.stringify(name)}`, 400);
    const rows = await this.db.query(`SELECT id, ${column} AS name FROM ${table} ORDER BY id`, []);
    const found = rows.find((r) => String(r.name).toLowerCase() === name.trim().toLowerCase());
    if (found === undefined) throw new DemoDeskError(`there is no ${what} "${name}"; the ${what === "priority" ? "priorities" : `${what}s`} are ${rows.map((r) => `"${String(r.name)}"`).join(", ")}`, 400);
    return Number(found.id);
  }

  private async insertArticle(ticketId: number, sender: string, userId: number | null, customerId: number | null, subject: string, body: string, time: string): Promise<void> {
    const id = Number((await this.db.query("SELECT COALESCE(MAX(id), 0) + 1 AS id FROM articles", []))[0]!.id);
    await this.db.exec("INSERT INTO articles (id, ticket_id, sender_type, user_id, customer_id, subject, body, create_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [id, ticketId, sender, userId, customerId, subject, body, time]);
  }
}
