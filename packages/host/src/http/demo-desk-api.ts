import { Hono, type Context } from "hono";
import { DemoDesk, DemoDeskError, type DeskUser } from "../demo-desk/demo-desk.js";
import type { PluginManager } from "../platform/plugin-manager.js";
import type { PlatformPorts } from "../platform/platform-ports.js";
import { requireUser, type AppEnv } from "./auth.js";
import { errorAnswer, jsonError } from "./http-error.js";

/**
 * The demo help desk's tickets under `/api/demo`, for agents and administrators:
 *
 *   GET   /tickets              the latest tickets (?limit=20), and the queue and state names
 *   POST  /tickets              {title, queue, body?, priority?, customer_id?}: a new ticket
 *   PATCH /tickets/:id          {state?, queue?, priority?, title?}
 *   POST  /tickets/:id/notes    {body}
 *
 * Every save fires `after_save` (docs/envelopes.md); the answer holds the ticket, the event and
 * each plugin's answer to it.
 */
export function demoDeskApi(manager: PluginManager, ports: Pick<PlatformPorts, "db" | "now">): Hono<AppEnv> {
  const desk = new DemoDesk(ports.db, manager, ports.now);
  const app = new Hono<AppEnv>();
  app.use("*", requireUser());
  app.use("*", async (c, next) => {
    const user = c.get("user")!;
    if (user.role === "customer") return jsonError(c, 403, `the demo help desk is for agents and administrators; user "${user.login}" is a customer`, "E_FORBIDDEN");
    await next();
  });
  const who = (c: Context<AppEnv>): DeskUser => ({ id: c.get("user")!.id, login: c.get("user")!.login });
  const guarded = async (c: Context<AppEnv>, body: () => Promise<unknown>) => {
    try {
      return c.json(await body());
    } catch (error) {
      if (error instanceof DemoDeskError) return errorAnswer(c, error);
      throw error;
    }
  };
  const jsonBody = async (c: Context<AppEnv>): Promise<Record<string, unknown>> => {
    const value: unknown = await c.req.json().catch(() => null);
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw new DemoDeskError(`the body must be a JSON object such as {"title": "Printer offline", "queue": "Support"}`, 400);
    return value as Record<string, unknown>;
  };
  const ticketId = (c: Context<AppEnv>): number => {
    const text = c.req.param("id") ?? "";
    if (!/^\d+$/.test(text)) throw new DemoDeskError(`"${text}" is not a ticket id`, 404);
    return Number(text);
  };

  app.get("/tickets", (c) => guarded(c, async () => ({ tickets: await desk.recentTickets(Number(c.req.query("limit") ?? 20) || 20), ...(await desk.names()) })));
  app.post("/tickets", (c) => guarded(c, async () => desk.createTicket((await jsonBody(c)) as never, who(c))));
  app.patch("/tickets/:id", (c) => guarded(c, async () => desk.updateTicket(ticketId(c), (await jsonBody(c)) as never, who(c))));
  app.post("/tickets/:id/notes", (c) => guarded(c, async () => desk.addNote(ticketId(c), (await jsonBody(c)).body as string, who(c))));
  return app;
}
