import { ConfigError } from "../errors.js";
import type { AddressInfo } from "node:net";
import type { Server, ServerResponse } from "node:http";
import { serve } from "@hono/node-server";
import type { Host } from "../host.js";
import { JobScheduler, type JobSchedulerOptions } from "../jobs/job-scheduler.js";
import { PluginManager, type PluginManagerOptions } from "../platform/plugin-manager.js";
import { platformPorts } from "../platform/platform-ports.js";
import { createApp } from "./app.js";
import { TokenAuth, type TokenUser } from "./auth.js";
import { EventStreams } from "./event-stream.js";
import { Capabilities } from "./capabilities.js";
import { Sessions } from "./sessions.js";

export interface ServerOptions {
  /** The host to serve; a PluginManager is created over it (and closed with the server). */
  host?: Host;
  /** Or a manager you created (and close yourself). */
  manager?: PluginManager;
  /** Options of the manager created over `host` (plugins directory, watching, budgets). */
  managerOptions?: Omit<PluginManagerOptions, "host">;
  /** Port to listen on (default 8080; 0 picks a free one). */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  hostname?: string;
  /** Bearer tokens and the users they sign in as: `{ "<token>": { id, login, email, role } }`. */
  tokens?: Record<string, TokenUser>;
  /** Who requests without a token act as (default: nobody). Only for a dev server on loopback. */
  anonymousUser?: TokenUser;
  /** Largest request body (default 1 MiB); larger requests get 413. */
  maxBodyBytes?: number;
  /** The job scheduler's options, or false for none (default: started with defaults). */
  scheduler?: Omit<JobSchedulerOptions, "manager"> | false;
  /** Serve the dashboard at `/` and `/dashboard` (default true). */
  dashboard?: boolean;
  /**
   * The application's own templates (docs/templates.md): `folders` searched in order, and
   * `pages` served from them for signed-in users, e.g. `{ "/agent": "agent-dashboard.html" }`.
   */
  templates?: { folders?: string[]; pages?: Record<string, string> };
  /**
   * Serve the demo help desk's ticket API at `/api/demo` (default false): creating and changing
   * tickets fires `after_save` at the plugins. Only for a host on the demo database.
   */
  demoDesk?: boolean;
  /** How long a client may take to send a request; a slower one gets 408 and is disconnected. */
  timeouts?: ServerTimeouts;
}

/** Time-outs that keep slow clients (trickled headers or bodies) from holding connections. */
export interface ServerTimeouts {
  /** To receive the request line and headers (default 10000 ms). */
  headersMs?: number;
  /** To receive the whole request, body included (default 30000 ms); responses may take longer. */
  requestMs?: number;
  /** A keep-alive connection's idle time between requests (default 5000 ms). */
  keepAliveMs?: number;
}

const DEFAULT_TIMEOUTS: Required<ServerTimeouts> = { headersMs: 10_000, requestMs: 30_000, keepAliveMs: 5_000 };

export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  port: number;
  manager: PluginManager;
  scheduler: JobScheduler | null;
  /**
   * Graceful stop: no new jobs or connections, live streams end, running requests and job runs
   * finish, then the manager closes if the server created it. The host stays open.
   */
  close(): Promise<void>;
}

/**
 * Serves a host over HTTP: plugin routes, widgets, menu, hooks, the admin API and the dashboard.
 *
 * @example
 * const host = await createHost();
 * const server = await startServer({
 *   host,
 *   managerOptions: { pluginsDir: "./plugins", watch: true },
 *   tokens: { [process.env.GK_ADMIN_TOKEN!]: { id: 1, login: "admin", email: "admin@example.com", role: "admin" } },
 * });
 * console.log(`dashboard: ${server.url}/`);
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  if (!options.host && !options.manager) throw new TypeError("startServer needs a host or a manager: startServer({ host: await createHost() })");
  if (options.host && options.manager && options.manager.host !== options.host) {
    throw new TypeError("startServer got a host and a manager over another host; pass one of them");
  }
  if (options.manager && options.managerOptions) {
    throw new TypeError("startServer got managerOptions with a ready manager; give those options to PluginManager.create instead");
  }
  const timeouts = serverTimeouts(options.timeouts);
  const auth = new TokenAuth(options.tokens, options.anonymousUser ?? null);
  const ownsManager = !options.manager;
  const manager = options.manager ?? (await PluginManager.create({ ...options.managerOptions, host: options.host! }));
  const scheduler = options.scheduler === false ? null : new JobScheduler({ ...options.scheduler, manager });
  const streams = new EventStreams();
  // The HTTP layer gets the host's parts it serves as narrow ports, not the host.
  const ports = platformPorts(manager.host);
  const app = createApp({
    manager,
    ports,
    scheduler,
    auth,
    sessions: new Sessions(),
    // The host clock, so tests can move it past expiry.
    capabilities: new Capabilities({ now: ports.now }),
    streams,
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    dashboard: options.dashboard !== false,
    templates: { folders: options.templates?.folders ?? [], pages: options.templates?.pages ?? {} },
    demoDesk: options.demoDesk === true,
  });

  const hostname = options.hostname ?? "127.0.0.1";
  let server: Server;
  try {
    server = await new Promise<Server>((resolve, reject) => {
      const serverOptions = {
        headersTimeout: timeouts.headersMs,
        requestTimeout: timeouts.requestMs,
        keepAliveTimeout: timeouts.keepAliveMs,
        // Node checks the two time-outs above only this often (30 s by default).
        connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(timeouts.headersMs / 4))),
      };
      const s = serve({ fetch: app.fetch, port: options.port ?? 8080, hostname, serverOptions }, () => resolve(s as Server)) as Server;
      s.once("error", (error: NodeJS.ErrnoException) =>
        reject(error.code === "EADDRINUSE" ? new ConfigError(`port ${options.port} on ${hostname} is in use; stop the other server or pick another port (0 picks a free one)`, { fix: "stop the other server or pick another port (0 picks a free one)", cause: error }) : error),
      );
    });
  } catch (error) {
    if (ownsManager) await manager.close();
    throw error;
  }
  try {
    // The run history from before a restart, and runs a killed host left running marked as such.
    await scheduler?.restore();
  } catch (error) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (ownsManager) await manager.close();
    throw error;
  }
  scheduler?.start();
  let closing: Promise<void> | null = null;
  // Once closing, a keep-alive connection is dropped as soon as its last response is sent,
  // instead of lingering until the client's idle timeout.
  server.on("request", (_req, res: ServerResponse) => {
    res.once("finish", () => {
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
  });

  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`,
    port,
    manager,
    scheduler,
    close() {
      closing ??= (async () => {
        const stopped = scheduler?.stop();
        streams.closeAll();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await stopped;
        if (ownsManager) await manager.close();
      })();
      return closing;
    },
  };
}

function serverTimeouts(given: ServerTimeouts = {}): Required<ServerTimeouts> {
  const timeouts = { ...DEFAULT_TIMEOUTS };
  for (const key of Object.keys(DEFAULT_TIMEOUTS) as Array<keyof ServerTimeouts>) {
    const value = given[key];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      throw new TypeError(`startServer timeouts.${key} must be a positive number of milliseconds, got ${String(value)}; leave it out for the default (${DEFAULT_TIMEOUTS[key]})`);
    }
    timeouts[key] = value;
  }
  // Node requires the headers time-out to be no longer than the whole request's.
  if (timeouts.headersMs > timeouts.requestMs) {
    throw new TypeError(`startServer timeouts.headersMs (${timeouts.headersMs}) is longer than timeouts.requestMs (${timeouts.requestMs}); the headers are part of the request`);
  }
  return timeouts;
}
