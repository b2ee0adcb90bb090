/**
 * The `after_save` hook's data for a ticket, as the help desk fires it (README, "Ticket events"):
 *
 *   {"object": "ticket", "event_id": "ticket-42-3", "ticket_id": 42,
 *    "events": ["state_changed", "queue_changed"], "user": {"id": 5, "login": "emma.larsen"}}
 *
 * `event_id` names the save: the same id delivered twice (to two hosts, or retried) is the same
 * event and moves each instance once. Saves of other objects are ignored.
 */
import { TICKET_EVENTS, type TicketEvent } from "../model/definition.js";

export interface TicketEventData {
  eventId: string;
  ticketId: number;
  events: TicketEvent[];
  /** Who saved the ticket: their login, or "help desk". */
  actor: string;
}

export type ReadResult = { ok: true; event: TicketEventData } | { ok: false; ignored: string };

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

export function readTicketEvent(data: unknown): ReadResult {
  if (!isObject(data)) return { ok: false, ignored: "the hook data is not an object" };
  if (data.object !== "ticket") return { ok: false, ignored: `not a ticket save (object ${JSON.stringify(data.object ?? null)})` };
  const ticketId = data.ticket_id;
  if (typeof ticketId !== "number" || !Number.isSafeInteger(ticketId) || ticketId < 1) return { ok: false, ignored: `"ticket_id" must be a ticket's id; got ${JSON.stringify(ticketId)}` };
  if (typeof data.event_id !== "string" || data.event_id === "" || data.event_id.length > 150) return { ok: false, ignored: `"event_id" must name the save (text up to 150 characters); got ${JSON.stringify(data.event_id)}` };
  const events = Array.isArray(data.events) ? data.events.filter((e): e is TicketEvent => TICKET_EVENTS.includes(e as TicketEvent)) : [];
  const user = isObject(data.user) && typeof data.user.login === "string" && data.user.login !== "" ? data.user.login : "help desk";
  return { ok: true, event: { eventId: data.event_id, ticketId, events: [...new Set(events)], actor: user } };
}
