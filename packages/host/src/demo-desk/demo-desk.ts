import { randomUUID } from "node:crypto";
import type { HookResult } from "../platform/hook-dispatch.js";
import type { PluginManager } from "../platform/plugin-manager.js";
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
  /** `customer_user.id`; default 1. */
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
/** GoatFlow's user 1, its article sender types and communication channels (real ids). */
const ADMIN_USER = 1;
const AGENT_SENDER = 1;
const CUSTOMER_SENDER = 3;
const PHONE_CHANNEL = 2;
const INTERNAL_CHANNEL = 3;
const HISTORY_OF: [column: string, type: string][] = [
  ["ticket_state_id", "StateUpdate"],
  ["queue_id", "Move"],
  ["ticket_priority_id", "PriorityUpdate"],
  ["title", "TitleUpdate"],
];
const TICKET_COLUMNS = "id, tn, title, queue_id, ticket_lock_id, user_id, responsible_user_id, ticket_priority_id, ticket_state_id, customer_id, customer_user_id, create_time, change_time";

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
    const queueId = await this.idOf("queue", input.queue, "queue");
    const priorityId = await this.idOf("ticket_priority", input.priority ?? "3 normal", "priority");
    const customerUserId = input.customer_id ?? 1;
    const customer = (await this.db.query("SELECT login, customer_id, email, first_name, last_name FROM customer_user WHERE id = ?", [customerUserId]))[0];
    if (customer === undefined) throw new DemoDeskError(`"customer_id" names no customer: there is no customer_user ${customerUserId}`, 400);
    const time = sqlTime(this.now());
    const by = user?.id ?? ADMIN_USER;
    const id = await this.nextId("ticket");
    // An unassigned, unlocked ticket is held by the admin user 1, as in OTRS.
    await this.db.exec(
      `INSERT INTO ticket (id, tn, title, queue_id, ticket_lock_id, type_id, user_id, responsible_user_id, ticket_priority_id, ticket_state_id,
         customer_id, customer_user_id, timeout, until_time, escalation_time, escalation_update_time, escalation_response_time,
         escalation_solution_time, archive_flag, create_time, create_by, change_time, change_by)
       VALUES (?, ?, ?, ?, 1, 1, ?, ?, ?, 1, ?, ?, 0, 0, 0, 0, 0, 0, 0, ?, ?, ?, ?)`,
      [id, String(2026_000_000 + id), title, queueId, ADMIN_USER, ADMIN_USER, priorityId, customer.customer_id!, customer.login!, time, by, time, by],
    );
    const from = `"${String(customer.first_name)} ${String(customer.last_name)}" <${String(customer.email)}>`;
    const articleId = await this.insertArticle(id, { sender: CUSTOMER_SENDER, visible: true, channel: PHONE_CHANNEL, by, from, subject: title, body: input.body ?? title, time });
    await this.history(id, "NewTicket", by, time, articleId);
    return this.saved(id, ["created"], user);
  }

  async updateTicket(id: number, change: TicketChange, user: DeskUser | null): Promise<SavedTicket> {
    const before = await this.ticket(id);
    const unknown = Object.keys(change).filter((k) => !(FIELDS as readonly string[]).includes(k));
    if (unknown.length > 0) throw new DemoDeskError(`${unknown.map((k) => `"${k}"`).join(", ")} cannot be changed here; the fields are ${FIELDS.join(", ")}`, 400);
    const set: Record<string, SqlValue> = {};
    if (change.state !== undefined) set.ticket_state_id = await this.idOf("ticket_state", change.state, "state");
    if (change.queue !== undefined) set.queue_id = await this.idOf("queue", change.queue, "queue");
    if (change.priority !== undefined) set.ticket_priority_id = await this.idOf("ticket_priority", change.priority, "priority");
    if (change.title !== undefined) set.title = change.title;
    const columns = Object.keys(set);
    if (columns.length === 0) throw new DemoDeskError(`nothing to change: give one of ${FIELDS.join(", ")}`, 400);
    const time = sqlTime(this.now());
    const by = user?.id ?? ADMIN_USER;
    await this.db.exec(`UPDATE ticket SET ${columns.map((c) => `${c} = ?`).join(", ")}, change_time = ?, change_by = ? WHERE id = ?`, [...columns.map((c) => set[c]!), time, by, id]);
    const events: TicketEvent[] = [];
    const changed = (column: string) => set[column] !== undefined && String(set[column]) !== String(before[column]);
    if (changed("ticket_state_id")) events.push("state_changed");
    if (changed("queue_id")) events.push("queue_changed");
    for (const [column, type] of HISTORY_OF) if (changed(column)) await this.history(id, type, by, time, null);
    return this.saved(id, events, user);
  }

  async addNote(id: number, body: string, user: DeskUser | null): Promise<SavedTicket> {
    await this.ticket(id);
    if (typeof body !== "string" || body.trim() === "") throw new DemoDeskError(`"body" must be the note's text; got ${JSON.stringify(body)}`, 400);
    const time = sqlTime(this.now());
    const by = user?.id ?? ADMIN_USER;
    // An internal note: an agent's article the customer does not see.
    const articleId = await this.insertArticle(id, { sender: AGENT_SENDER, visible: false, channel: INTERNAL_CHANNEL, by, from: user?.login ?? "", subject: "Note", body, time });
    await this.db.exec("UPDATE ticket SET change_time = ?, change_by = ? WHERE id = ?", [time, by, id]);
    await this.history(id, "AddNote", by, time, articleId);
    return this.saved(id, ["note_added"], user);
  }

  /** The names of the queues and states, in id order, for forms. */
  async names(): Promise<{ queues: string[]; states: string[] }> {
    const queues = await this.db.query("SELECT name FROM queue ORDER BY id", []);
    const states = await this.db.query("SELECT name FROM ticket_state ORDER BY id", []);
    return { queues: queues.map((r) => String(r.name)), states: states.map((r) => String(r.name)) };
  }

  /** The latest tickets, newest first, with their queue and state names. */
  recentTickets(limit = 20): Promise<Row[]> {
    return Promise.resolve(
      this.db.query(
        `SELECT t.id, t.tn, t.title, q.name AS queue, s.name AS state, t.user_id, t.create_time, t.change_time
           FROM ticket t LEFT JOIN queue q ON q.id = t.queue_id LEFT JOIN ticket_state s ON s.id = t.ticket_state_id
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
    const row = (await this.db.query(`SELECT ${TICKET_COLUMNS} FROM ticket WHERE id = ?`, [id]))[0];
    if (row === undefined) throw new DemoDeskError(`there is no ticket ${id}`, 404);
    return row;
  }

  private async idOf(table: string, name: unknown, what: string): Promise<number> {
    if (typeof name !== "string" || name.trim() === "") throw new DemoDeskError(`"${what}" must be a ${what}'s name; got ${JSON.stringify(name)}`, 400);
    const rows = await this.db.query(`SELECT id, name FROM ${table} ORDER BY id`, []);
    const found = rows.find((r) => String(r.name).toLowerCase() === name.trim().toLowerCase());
    if (found === undefined) throw new DemoDeskError(`there is no ${what} "${name}"; the ${what === "priority" ? "priorities" : `${what}s`} are ${rows.map((r) => `"${String(r.name)}"`).join(", ")}`, 400);
    return Number(found.id);
  }

  private async nextId(table: string): Promise<number> {
    return Number((await this.db.query(`SELECT COALESCE(MAX(id), 0) + 1 AS id FROM ${table}`, []))[0]!.id);
  }

  /** One article: its row in `article` and its headers and body in `article_data_mime`. */
  private async insertArticle(ticketId: number, a: { sender: number; visible: boolean; channel: number; by: number; from: string; subject: string; body: string; time: string }): Promise<number> {
    const id = await this.nextId("article");
    await this.db.exec(
      `INSERT INTO article (id, ticket_id, article_sender_type_id, communication_channel_id, is_visible_for_customer, search_index_needs_rebuild,
         create_time, create_by, change_time, change_by) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)`,
      [id, ticketId, a.sender, a.channel, a.visible ? 1 : 0, a.time, a.by, a.time, a.by],
    );
    await this.db.exec(
      `INSERT INTO article_data_mime (id, article_id, a_from, a_subject, a_content_type, a_body, incoming_time, create_time, create_by, change_time, change_by)
       VALUES (?, ?, ?, ?, 'text/plain; charset=utf-8', ?, ?, ?, ?, ?, ?)`,
      [await this.nextId("article_data_mime"), id, a.from, a.subject, a.body, Math.floor(this.now() / 1000), a.time, a.by, a.time, a.by],
    );
    return id;
  }

  /** A `ticket_history` row with the ticket's queue, owner, priority and state after the change. */
  private async history(ticketId: number, type: string, by: number, time: string, articleId: number | null): Promise<void> {
    const t = await this.ticket(ticketId);
    const typeId = Number((await this.db.query("SELECT id FROM ticket_history_type WHERE name = ?", [type]))[0]?.id ?? 0);
    await this.db.exec(
      `INSERT INTO ticket_history (id, name, history_type_id, ticket_id, article_id, type_id, queue_id, owner_id, priority_id, state_id,
         create_time, create_by, change_time, change_by) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [await this.nextId("ticket_history"), `%%${type}`, typeId, ticketId, articleId, t.queue_id!, t.user_id!, t.ticket_priority_id!, t.ticket_state_id!, time, by, time, by],
    );
  }
}
