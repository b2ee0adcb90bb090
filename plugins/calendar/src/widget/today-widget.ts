/**
 * The agent home widget: the signed-in agent's appointments today (in their own calendars,
 * and those they own in team calendars), in the zone of their calendar.
 */
import { escapeHTML, html, type Handler, type Request } from "@goatkit/sdk/guest";
import { pluginConfig } from "../plugin-config.js";
import { expandRows, type BusyOccurrence } from "../scheduling/busy-time.js";
import { listAppointmentsTouching } from "../store/appointments.js";
import { listCalendars } from "../store/calendars.js";
import { findTickets, type TicketSummary } from "../store/core-tables.js";
import { DAY_MS, formatInstant, formatLongDate, formatTimeOfDay, startOfDay } from "../time/local-time.js";
import { findTimeZone, localToUtc, utcToLocal, type TimeZone } from "../time/time-zones.js";

function timeLabel(o: BusyOccurrence, zone: TimeZone, dayStart: number, dayEnd: number): string {
  if (o.allDay) return "All day";
  const start = o.start < dayStart ? "…" : formatTimeOfDay(utcToLocal(zone, o.start));
  const end = o.end > dayEnd ? "…" : formatTimeOfDay(utcToLocal(zone, o.end));
  return `${start}–${end}`;
}

function item(o: BusyOccurrence, zone: TimeZone, dayStart: number, dayEnd: number, ticket: TicketSummary | null): string {
  // An appointment kept in another zone also shows its own wall clock, as its participants see it.
  const ownClock = !o.allDay && o.tzid !== zone.id ? ` <span class="opacity-60">(${formatTimeOfDay(o.localStart)} ${escapeHTML(o.tzid)})</span>` : "";
  const ticketLink = ticket === null ? "" : ` <a class="link" href="/agent/tickets/${ticket.id}" title="${escapeHTML(ticket.title)}">#${escapeHTML(ticket.tn)}</a>`;
  return (
    `<li class="py-1"><time datetime="${formatInstant(o.start)}" class="font-mono">${timeLabel(o, zone, dayStart, dayEnd)}</time> ` +
    `<span class="font-medium">${escapeHTML(o.title)}</span>${ownClock}${ticketLink}</li>`
  );
}

export const todayWidget = {
  render_today_widget(req: Request) {
    const user = req.user;
    if (user === null) return html(`<p class="opacity-70">Sign in to see your appointments.</p>`);
    const calendars = listCalendars({ ownerType: "agent", ownerId: user.id });
    const zone = (calendars[0] && findTimeZone(calendars[0].timezone)) || pluginConfig(req).defaultZone;
    const today = startOfDay(utcToLocal(zone, Date.now()));
    const from = localToUtc(zone, today);
    const to = localToUtc(zone, today + DAY_MS);
    const rows = listAppointmentsTouching(
      calendars.map((c) => c.id),
      formatInstant(from),
      formatInstant(to),
      user.id,
    );
    const occurrences = expandRows(rows, from, to);
    const tickets = findTickets(occurrences.flatMap((o) => (o.ticketId === null ? [] : [o.ticketId])));
    const header = `<p class="text-sm opacity-70">${formatLongDate(today)} · ${escapeHTML(zone.id)}</p>`;
    if (occurrences.length === 0) return html(`<div class="goatkit-calendar-today">${header}<p class="opacity-70">No appointments today.</p></div>`);
    const items = occurrences.map((o) => item(o, zone, from, to, o.ticketId === null ? null : (tickets.get(o.ticketId) ?? null)));
    return html(`<div class="goatkit-calendar-today">${header}<ul>${items.join("")}</ul></div>`);
  },
} satisfies Record<string, Handler>;
