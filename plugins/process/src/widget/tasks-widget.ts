/**
 * The agent home widget: process tasks waiting on the signed-in agent (assigned to them, or to
 * the queue of a ticket they own), oldest first, each linking to the ticket and the instance.
 */
import { escapeHTML, html, type Handler, type Request } from "@goatkit/sdk/guest";
import { findQueueNames, findTickets } from "../store/core-tables.js";
import { tasksWaitingOn } from "../store/instances.js";
import { findProcess, findVersion, versionDefinition } from "../store/processes.js";

const BASE = "/api/plugins/process";

export const tasksWidget = {
  render_tasks_widget(req: Request) {
    const user = req.user;
    if (user === null) return html(`<p class="opacity-70">Sign in to see your process tasks.</p>`);
    const tasks = tasksWaitingOn(user.id);
    if (tasks.length === 0) return html(`<div class="goatkit-process-tasks"><p class="opacity-70">No process tasks are waiting on you.</p></div>`);
    const tickets = findTickets(tasks.map((t) => t.ticket_id));
    const queues = findQueueNames(tasks.flatMap((t) => (t.assignee_queue_id === null ? [] : [t.assignee_queue_id])));
    const items = tasks.map((t) => {
      const version = findVersion(t.version_id);
      const step = version ? versionDefinition(version).steps.find((s) => s.id === t.current_step) : undefined;
      const ticket = tickets.get(t.ticket_id);
      const queue = t.assignee_user_id === null && t.assignee_queue_id !== null ? ` <span class="opacity-60">(queue ${escapeHTML(queues.get(t.assignee_queue_id) ?? "?")})</span>` : "";
      const ticketLink = ticket ? `<a class="link" href="/agent/tickets/${ticket.id}" title="${escapeHTML(ticket.title)}">#${escapeHTML(ticket.tn)}</a>` : `ticket ${t.ticket_id}`;
      return (
        `<li class="py-1"><span class="font-medium">${escapeHTML(step?.name || t.current_step)}</span>${queue} · ${ticketLink} · ` +
        `<a class="link" href="${BASE}/designer#instance=${t.id}">${escapeHTML(findProcess(t.process_id)?.name ?? "process")} #${t.id}</a> ` +
        `<time datetime="${t.updated_at}" class="opacity-60">since ${t.updated_at.slice(0, 16).replace("T", " ")} UTC</time></li>`
      );
    });
    return html(`<div class="goatkit-process-tasks"><ul>${items.join("")}</ul></div>`);
  },
} satisfies Record<string, Handler>;
