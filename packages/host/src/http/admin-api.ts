import { LOG_LEVELS, type LogLevel } from "@goatkit/sdk";
import { Hono, type Context } from "hono";
import type { JobScheduler } from "../jobs/job-scheduler.js";
import type { PluginManager } from "../platform/plugin-manager.js";
import type { LogReader, PlatformPorts } from "../platform/platform-ports.js";
import { publicPluginInfo } from "../platform/plugin-info.js";
import type { LogEntry } from "../services/log-store.js";
import { requireAdmin, requireUser, type AppEnv } from "./auth.js";
import type { EventStreams } from "./event-stream.js";
import { JobError } from "../jobs/job-error.js";
import { jsonError } from "./http-error.js";

const decoder = new TextDecoder();
const LEVEL_ORDER: readonly LogLevel[] = ["debug", "info", "warn", "error"];

/**
 * The admin API under `/api/v1` (seed 000's `/api/v1/plugins`), for administrators only but
 * for the plugin list:
 *
 *   GET  /plugins                          `{ plugins }`, GoatFlow's shape, for any signed-in user;
 *                                          administrators also get status, permissions, metrics
 *   GET  /plugins/:name                    one plugin
 *   POST /plugins/:name/{enable,disable,reload,load,unload}
 *   GET  /plugins/:name/logs               its log (?level=warn&limit=100)
 *   GET  /logs                             all logs (?plugin=&level=&limit=)
 *   GET  /logs/stream                      live logs as Server-Sent Events (?plugin=&level=&tail=)
 *   GET  /events                           live plugin, job and plugin-published (plugin_event) events as Server-Sent Events
 *   GET  /jobs                             every job with its next run and last run
 *   GET  /plugins/:name/jobs/:id/runs      a job's run history
 *   POST /plugins/:name/jobs/:id/run       run a job now; answers with the first attempt
 *   POST /hooks/:event                     fire a hook at every plugin (body: the JSON data)
 *   GET  /audit                            the admin audit trail, newest first (?plugin=&limit=)
 */
export function adminApi(manager: PluginManager, scheduler: JobScheduler | null, streams: EventStreams, ports: Pick<PlatformPorts, "logs" | "audit" | "pluginEvents">): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // Before requireAdmin: GoatFlow lists plugins to every signed-in user. Where a plugin lives,
  // why it broke, its permissions and metrics stay the administrators'.
  app.get("/plugins", requireUser(), (c) => {
    const plugins = manager.list();
    return c.json({ plugins: c.get("user")?.role === "admin" ? plugins : plugins.map(publicPluginInfo) });
  });
  app.use("*", requireAdmin());

  app.get("/plugins/:name", (c) => c.json(manager.info(c.req.param("name"))));
  // Each action is recorded in the audit trail under the signed-in administrator's login.
  const actor = (c: Context<AppEnv>) => ({ actor: c.get("user")?.login ?? "unknown" });
  app.post("/plugins/:name/enable", async (c) => c.json(await manager.enable(c.req.param("name"), actor(c))));
  app.post("/plugins/:name/disable", async (c) => c.json(await manager.disable(c.req.param("name"), actor(c))));
  app.post("/plugins/:name/reload", async (c) => c.json(await manager.reload(c.req.param("name"), actor(c))));
  app.post("/plugins/:name/load", async (c) => c.json(await manager.load(c.req.param("name"), actor(c))));
  app.post("/plugins/:name/unload", async (c) => {
    const name = c.req.param("name");
    await manager.unload(name, "admin", actor(c));
    return c.json(manager.info(name));
  });
  app.get("/audit", async (c) => {
    const trail = ports.audit;
    if (!trail) return jsonError(c, 404, "this host keeps no audit trail: it was created with platformState: false", "E_NO_PLATFORM_STATE");
    const limit = Number(c.req.query("limit") ?? 100) || 100;
    return c.json(await trail.audit({ limit, ...(c.req.query("plugin") ? { plugin: c.req.query("plugin")! } : {}) }));
  });

  app.get("/plugins/:name/logs", (c) => {
    const name = c.req.param("name");
    manager.info(name);
    return logsResponse(c, ports.logs, name);
  });
  app.get("/logs", (c) => logsResponse(c, ports.logs, c.req.query("plugin")));
  app.get("/logs/stream", (c) => {
    const plugin = c.req.query("plugin") || undefined;
    const level = levelOf(c);
    if (level === null) return badLevel(c);
    const tail = Math.max(0, Math.min(1000, Number(c.req.query("tail") ?? 100) || 0));
    const backlog = tail === 0 ? [] : ports.logs.list(plugin, level).slice(-tail);
    const wanted = (e: LogEntry) => (plugin === undefined || e.plugin === plugin) && LEVEL_ORDER.indexOf(e.level) >= LEVEL_ORDER.indexOf(level);
    return streams.open(
      c,
      backlog.map((data) => ({ event: "log", data })),
      (send) => ports.logs.subscribe((entry) => wanted(entry) && send("log", entry)),
    );
  });

  app.get("/events", (c) =>
    streams.open(c, [], (send) => {
      const offPlugins = manager.on("*", (event) => send("plugin", event));
      const offJobs = scheduler?.onRun((run) => send("job", run)) ?? (() => undefined);
      const offEvents = ports.pluginEvents?.onEvent((event) => send("plugin_event", event)) ?? (() => undefined);
      return () => {
        offPlugins();
        offEvents();
        offJobs();
      };
    }),
  );

  app.get("/jobs", (c) => c.json(scheduler ? scheduler.list(c.req.query("plugin") || undefined) : []));
  app.get("/plugins/:name/jobs", (c) => {
    manager.info(c.req.param("name"));
    return c.json(requireScheduler(scheduler).list(c.req.param("name")));
  });
  app.get("/plugins/:name/jobs/:id", (c) => {
    const s = requireScheduler(scheduler);
    return c.json({ ...s.job(c.req.param("name"), c.req.param("id")), runs: s.history(c.req.param("name"), c.req.param("id")) });
  });
  app.get("/plugins/:name/jobs/:id/runs", (c) => c.json(requireScheduler(scheduler).history(c.req.param("name"), c.req.param("id"))));
  app.post("/plugins/:name/jobs/:id/run", async (c) => c.json(await requireScheduler(scheduler).runNow(c.req.param("name"), c.req.param("id"), actor(c))));

  app.post("/hooks/:event", async (c) => {
    const text = await c.req.text();
    let data: unknown = null;
    if (text.trim() !== "") {
      try {
        data = JSON.parse(text);
      } catch (error) {
        return jsonError(c, 400, `the body must be the hook's data as JSON: ${(error as Error).message}`, "E_BAD_REQUEST");
      }
    }
    const results = await manager.fireHook(c.req.param("event"), data);
    return c.json(
      results.map((r) => {
        const body = typeof r.response.body === "string" ? r.response.body : decoder.decode(r.response.body);
        return { plugin: r.plugin, handler: r.handler, status: r.response.status, body: parseMaybeJson(body, r.response.headers["content-type"]), error: r.response.error ?? null };
      }),
    );
  });

  return app;
}

function logsResponse(c: Context<AppEnv>, logs: LogReader, plugin: string | undefined): Response {
  const level = levelOf(c);
  if (level === null) return badLevel(c);
  const limit = Math.max(1, Math.min(10_000, Number(c.req.query("limit") ?? 500) || 500));
  return c.json(logs.list(plugin || undefined, level).slice(-limit));
}

function levelOf(c: Context): LogLevel | null {
  const level = c.req.query("level") ?? "debug";
  return (LOG_LEVELS as readonly string[]).includes(level) ? (level as LogLevel) : null;
}

function badLevel(c: Context): Response {
  return jsonError(c, 400, `unknown log level "${c.req.query("level")}"; use one of ${LOG_LEVELS.join(", ")}`, "E_BAD_REQUEST");
}

function requireScheduler(scheduler: JobScheduler | null): JobScheduler {
  if (!scheduler) throw new JobError("E_NO_SCHEDULER", "this server runs no job scheduler; start it with startServer({ scheduler: {} })", { fix: "start it with startServer({ scheduler: {} })" });
  return scheduler;
}

function parseMaybeJson(body: string, contentType: string | undefined): unknown {
  if (!contentType?.includes("json")) return body;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}
