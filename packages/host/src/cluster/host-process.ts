import { ConfigError } from "../errors.js";
import { messageOf } from "../errors.js";
import { createHost, type Host } from "../host.js";
import type { TokenUser } from "../http/auth.js";
import { startServer, type RunningServer, type ServerOptions } from "../http/server.js";
import type { JobScheduler } from "../jobs/job-scheduler.js";
import { PluginManager } from "../platform/plugin-manager.js";

import { hostConfigFromEnv, servicesFromConfig } from "../services/from-config.js";
import { ServicesConfigError } from "../services/config.js";
import { PackageFileSource, PackageSource } from "../platform/package-sources.js";
import { loadEagerly, namedFolderSources } from "../platform/load-policy.js";
import { ClusterCoordinator } from "./cluster-coordinator.js";
import { clusterOptionsFromEnv, defaultHostId } from "./cluster-options.js";
import { forgetSecrets } from "./forget-secrets.js";

export interface HostProcessOptions {
  /** The plugins folders the host serves (the same plugins on every host of a cluster). */
  pluginsDir?: string | string[];
  /**
   * Single plugin folders (or `.wasm` files) to serve as well. A folder's manifest is read before
   * the host is ready (a broken one stops start-up, naming it); a `.wasm` file is loaded then.
   */
  plugins?: string[];
  /** Plugin packages (`.zip`, as `gk plugin pack` makes them) to serve, checked under the signature policy of the config. */
  packages?: string[];
  /** Reload a plugin when its module or manifest changes, and pick up new plugin folders (default false). */
  watch?: boolean;
  /**
   * Load every plugin at start (default: the config's `plugins.eager`, `GOATKIT_PLUGINS_EAGER`,
   * else false). Otherwise a plugin is registered from its manifest (routes, widgets, menus,
   * templates, jobs known) and its module loads on first use (load-policy.ts).
   */
  eager?: boolean;
  /**
   * Where services (`GOATKIT_DB_URL`, `GOATKIT_REDIS_URL`, ...) and cluster settings are read
   * (default process.env, whose secrets are forgotten once read: see forgetSecrets).
   */
  env?: Record<string, string | undefined>;
  /** Port (default `GOATKIT_PORT`, else 8080; 0 picks a free one). */
  port?: number;
  /** Interface to listen on (default `GOATKIT_LISTEN`, else 127.0.0.1). */
  hostname?: string;
  /** Bearer token of the admin API (default `GOATKIT_TOKEN`); without one the admin API refuses every request. */
  adminToken?: string;
  /** How often the scheduler looks for due jobs, in ms (default 250: a job due every second runs within a quarter of it). */
  schedulerTickMs?: number;
  /** Where each JSON line goes (default: stdout). */
  print?: (line: HostProcessLine) => void;
  /** Stop gracefully on SIGTERM and SIGINT, then exit (default true). */
  handleSignals?: boolean;
  /**
   * The application's own templates and pages (docs/templates.md); a function is given the
   * manager once the plugins are loaded (to serve a page only when the plugins it uses are).
   */
  templates?: ServerOptions["templates"] | ((manager: PluginManager) => ServerOptions["templates"]);
  /** Serve the demo help desk's ticket API (only for a host on the demo database). */
  demoDesk?: boolean;
}

/**
 * One line of what the host does: `ready`, `run` (a job attempt starting and ending, with its
 * due time), `plugin` (lifecycle), `cluster` (takeovers, commands between hosts), `stopping`,
 * `stopped`, `error`.
 */
export interface HostProcessLine {
  event: "ready" | "run" | "plugin" | "cluster" | "stopping" | "stopped" | "error";
  host: string;
  time: string;
  [field: string]: unknown;
}

export interface RunningHostProcess {
  hostId: string;
  url: string;
  host: Host;
  manager: PluginManager;
  scheduler: JobScheduler;
  /** Null when the host runs alone (no Redis, or `GOATKIT_CLUSTER=off`). */
  coordinator: ClusterCoordinator | null;
  /** Graceful stop: running job attempts finish and release their leases, then everything closes. */
  stop(reason?: string): Promise<void>;
}

/**
 * A host as an operator runs it: services from the environment, a plugins folder, the job
 * scheduler, the HTTP server, and, when a Redis is configured, the cluster coordinator. It
 * prints one JSON line per thing it does, and stops gracefully on SIGTERM.
 *
 * @example
 * // GOATKIT_DB_URL=postgres://goatkit@db/goatflow GOATKIT_REDIS_URL=redis://cache:6379 GOATKIT_HOST_ID=web-1
 * await runHostProcess({ pluginsDir: "/srv/goatkit/plugins" });
 */
export async function runHostProcess(options: HostProcessOptions): Promise<RunningHostProcess> {
  const env = options.env ?? process.env;
  const folders = options.plugins ?? [];
  const cluster = await clusterOptionsFromEnv(env);
  const hostId = cluster?.hostId ?? (env.GOATKIT_HOST_ID || defaultHostId());
  const write = options.print ?? ((line: HostProcessLine) => void process.stdout.write(`${JSON.stringify(line)}\n`));
  const print = (event: HostProcessLine["event"], fields: Record<string, unknown> = {}) => write({ event, host: hostId, time: new Date().toISOString(), ...fields });

  const closers: Array<() => Promise<unknown>> = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch((error: unknown) => print("error", { message: `while stopping: ${messageOf(error)}` }));
  };
  const token = options.adminToken ?? env.GOATKIT_TOKEN;
  try {
    const { config, origins } = await hostConfigFromEnv(env);
    const packageFiles = options.packages ?? [];
    if (options.pluginsDir === undefined && folders.length === 0 && packageFiles.length === 0 && !config.packages?.dir) {
      const message = "runHostProcess needs plugins to serve: a pluginsDir, plugins (single plugin folders), or packages.dir in the config (GOATKIT_PACKAGES_DIR)";
      throw env.GOATKIT_CONFIG ? new ServicesConfigError(`${env.GOATKIT_CONFIG} names no plugins to serve: set packages.dir in it, or give plugin folders or --plugins-dir`) : new TypeError(message);
    }
    // An operator's host sizes each plugin's pool from the machine unless configured.
    const host = await createHost({ poolSize: "auto", ...(await servicesFromConfig(config, origins)) });
    closers.push(() => host.close());
    // Read: the token and the service URLs leave this process's environment, which plugin
    // processes of the host's user could otherwise read in /proc/<pid>/environ.
    if (options.env === undefined) forgetSecrets();
    // Named folders are discovered from their manifests (a broken one stops start-up, naming
    // it); `.wasm` files are loaded into the host, which the manager adopts.
    const named = await namedFolderSources(folders, host);
    for (const path of named.loadNow) await host.load(path);
    const coordinator = cluster ? await ClusterCoordinator.connect({ ...cluster, hostId }) : null;
    if (coordinator) {
      closers.push(() => coordinator.close());
      coordinator.onEvent(({ host: _host, time: _time, ...event }) => print("cluster", event));
    }
    // .zip packages (packages.dir, those in the plugins folders, those named one by one), checked
    // under the signature policy of the config.
    const packages = config.packages;
    const trust = { policy: packages?.require_signatures ? ("require" as const) : ("warn" as const), trustedKeys: packages?.trusted_keys ?? [] };
    const pluginsDirs = options.pluginsDir === undefined ? [] : Array.isArray(options.pluginsDir) ? options.pluginsDir : [options.pluginsDir];
    const sources = [
      ...named.sources,
      ...(packages?.dir ? [new PackageSource(packages.dir, { trust })] : []),
      ...pluginsDirs.map((dir) => new PackageSource(dir, { trust })),
      ...packageFiles.map((file) => new PackageFileSource(file, { trust })),
    ];
    const manager = await PluginManager.create({ host, ...(options.pluginsDir !== undefined ? { pluginsDir: options.pluginsDir } : {}), sources, watch: options.watch ?? false, hostId });
    closers.push(() => manager.close());
    manager.on("*", ({ time: _time, ...event }) => print("plugin", event));
    // Before any job runs: a plugin disabled on the other hosts stays disabled here.
    await coordinator?.attach(manager);
    // Eager: loaded now rather than on the first call, so a module that fails to load is
    // reported, and migrations are applied, before traffic comes.
    if (options.eager ?? config.plugins?.eager ?? false) await loadEagerly(manager, (plugin, error) => print("error", { plugin, message: messageOf(error) }));

    const admin: TokenUser = { id: 1, login: "admin", email: "admin@goatflow.example", role: "admin" };
    const server: RunningServer = await startServer({
      manager,
      port: options.port ?? portFrom(env.GOATKIT_PORT),
      hostname: options.hostname ?? env.GOATKIT_LISTEN ?? "127.0.0.1",
      ...(token ? { tokens: { [token]: admin } } : {}),
      scheduler: { tickMs: options.schedulerTickMs ?? 250, hostId, ...(coordinator ? { lease: coordinator.jobLease } : {}) },
      ...(options.templates ? { templates: typeof options.templates === "function" ? options.templates(manager) : options.templates } : {}),
      ...(options.demoDesk ? { demoDesk: true } : {}),
    });
    // The server stops the scheduler (running attempts finish) before the coordinator leaves.
    closers.push(() => server.close());
    const scheduler = server.scheduler!;
    scheduler.onRun((run) => {
      print("run", { plugin: run.plugin, job: run.job, tick: run.scheduledAt, attempt: run.attempt, trigger: run.trigger, status: run.status, durationMs: run.durationMs, ...(run.error ? { error: run.error.message } : {}) });
    });

    let stopping: Promise<void> | null = null;
    const stop = (reason = "stop") => {
      stopping ??= (async () => {
        print("stopping", { reason });
        await closeAll();
        print("stopped", { reason });
      })();
      return stopping;
    };
    if (options.handleSignals !== false) {
      for (const signal of ["SIGTERM", "SIGINT"] as const) {
        process.once(signal, () => {
          void stop(signal).then(
            () => process.exit(0),
            () => process.exit(1),
          );
        });
      }
    }

    print("ready", { url: server.url, pid: process.pid, cluster: coordinator !== null, database: host.services.db.dialect, plugins: manager.list().map((p) => ({ name: p.name, status: p.status, ...(p.goatflow ? { goatflow: p.goatflow, manifest: false } : {}), ...(p.error ? { error: p.error } : {}) })) });
    return { hostId, url: server.url, host, manager, scheduler, coordinator, stop };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

function portFrom(text: string | undefined): number {
  if (text === undefined || text === "") return 8080;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`GOATKIT_PORT must be a port number (0 picks a free one), got "${text}"`, { fix: "set GOATKIT_PORT to a number from 0 to 65535" });
  return port;
}
