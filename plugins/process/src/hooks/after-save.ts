/** The `after_save` hook: a saved ticket starts the processes it triggers and ends waits for its events. */
import { host, type Handler, type Request } from "@goatkit/sdk/guest";
import { applyTicketEvent } from "../engine/dispatch.js";
import { readTicketEvent } from "../engine/ticket-event.js";
import { maxStepsPerEvent } from "../plugin-config.js";

export const afterSaveHook = {
  after_save(req: Request) {
    const read = readTicketEvent(req.hook?.data ?? null);
    if (!read.ok) {
      host.debug("after_save ignored", { reason: read.ignored });
      return { ignored: read.ignored };
    }
    const summary = applyTicketEvent(read.event, maxStepsPerEvent(req));
    if (summary.started.length + summary.resumed.length > 0) host.info("ticket event applied", { event_id: summary.event_id, ticket_id: summary.ticket_id, started: summary.started.length, resumed: summary.resumed.length });
    return summary;
  },
} satisfies Record<string, Handler>;
