/**
 * The `before_render` hook: when the help desk renders a page about a ticket
 * (`{"template": "ticket_detail", "ticket_id": 42}`), the plugin adds that ticket's active
 * process instances to the template's context, so the page can show where each one stands.
 */
import type { Handler, Request } from "@goatkit/sdk/guest";
import { listInstances } from "../store/instances.js";
import { findProcess, findVersion, versionDefinition } from "../store/processes.js";

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

export const beforeRenderHook = {
  before_render(req: Request) {
    const data = req.hook?.data;
    const ticketId = isObject(data) ? data.ticket_id : undefined;
    if (typeof ticketId !== "number" || !Number.isSafeInteger(ticketId) || ticketId < 1) return { context: {} };
    const active = listInstances({ ticketId }, 50).filter((i) => i.status !== "completed");
    return {
      context: {
        process_instances: active.map((i) => {
          const version = findVersion(i.version_id);
          const step = version ? versionDefinition(version).steps.find((s) => s.id === i.current_step) : undefined;
          return {
            id: i.id,
            process: findProcess(i.process_id)?.name ?? null,
            status: i.status,
            step: i.current_step,
            step_name: step?.name || i.current_step,
            failure: i.error,
            url: `/api/plugins/process/designer#instance=${i.id}`,
          };
        }),
      },
    };
  },
} satisfies Record<string, Handler>;
