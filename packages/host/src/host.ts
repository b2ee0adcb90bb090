import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_HOST_CALL_LIMITS, type HostCallLimits, type HostCallRecord, type HostServices } from "./host-functions/host-services.js";
import type { Isolation } from "./runtime/plugin-runner.js";
import { grpcProcessSettings, type GrpcProcessOptions } from "./runtime/grpc/process-user.js";
import { Plugin, type LoadOptions, type PluginDefaults, type ResolvedLoadOptions } from "./plugin/plugin.js";
import { limitCeilingsOf, type PluginLimits } from "./plugin/limit-ceilings.js";
import { DEFAULT_MAX_POOL_SIZE, checkPoolSizeSetting } from "./plugin/pool-size.js";
import { parseTrustedKeys, type PublicKey } from "./packaging/keys.js";
import { PluginCallError } from "./runtime/plugin-call-error.js";
import type { RequestInput } from "./plugin/request.js";
import type { PluginResponse } from "./plugin/response.js";
import { PluginRegistry } from "./platform/plugin-registry.js";
import type { DemoDataOptions } from "./services/database/demo-data.js";
import { SqliteDatabase } from "./services/database/sqlite-database.js";
import { DevMailbox } from "./services/dev-mailbox.js";
import { FetchHttp } from "./services/http/fetch-http.js";
import { JobRegistry } from "./jobs/job-registry.js";
import { LogStore, type LogEntry } from "./services/log-store.js";
import { MemoryCache } from "./services/memory-cache.js";
import type { CacheService, DatabaseService, HttpService, MailService } from "./services/types.js";
import { PlatformState, type PlatformStateOptions } from "./state/platform-state.js";
import { PluginBus } from "./host-functions/plugin-bus.js";

export interface HostOptions {
  /**
   * The database: a DatabaseService, or the embedded SQLite default: `file` (default
   * `:memory:`) seeded with the demo help desk when it has no tables yet (`demo: false` to skip).
   */
  database?: DatabaseService | { file?: string; demo?: DemoDataOptions | false };
  cache?: CacheService;
  mail?: MailService;
  http?: HttpService;
  /** The host clock; tests pass a controllable one. */
  now?: () => number;
  /** Sender address of plugin email. */
  mailFrom?: string;
  /**
   * How plugins run: `worker` (default) isolates each plugin in worker threads with time-outs;
   * `in-process` runs them on this thread, trusted: faster, but a looping plugin cannot be
   * stopped and only synchronous services can be used. See docs/sandbox.md.
   */
  isolation?: Isolation;
  /**
   * Instances (workers) per plugin that run calls at once; calls beyond them queue. Default 1
   * here; `auto` (what `gk start` and runHostProcess use unless configured) is two per core
   * of the machine, fewer when the plugin's memory limit is large, at most `maxPoolSize`. A manifest with
   * `concurrency: "serial"` keeps one. Workers beyond the first start when calls overlap.
   */
  poolSize?: number | "auto";
  /** The ceiling of instances per plugin (default 4). */
  maxPoolSize?: number;
  /** Where derived artefacts are cached (transpiled components); default: the OS temp folder. */
  cacheDir?: string;
  /** Size limit of the transpiled components in `cacheDir` (default 1 GiB); least recently used ones are removed beyond it. */
  cacheMaxBytes?: number;
  /** Per-call budgets and sizes of host functions; defaults in docs/sandbox.md. */
  callLimits?: Partial<HostCallLimits>;
  /**
   * The most a plugin's manifest may ask for in `limits` (defaults DEFAULT_LIMIT_CEILINGS:
   * 512 MiB, 60 s, 64 MiB requests and results); a plugin asking for more does not load.
   */
  limitCeilings?: Partial<PluginLimits>;
  /**
   * Load only packages signed by one of these keys (docs/packages.md "Requiring signatures"):
   * unsigned packages, packages signed by another key, plugin folders and `.wasm` files (which
   * cannot be signed) are refused at load.
   */
  requireSignatures?: { trustedKeys: ReadonlyArray<string | PublicKey> };
  /** Sees every host call and its outcome (the testing API records them). */
  onHostCall?: (record: HostCallRecord) => void;
  /** Also print plugin log lines at or above this level. */
  echoLogs?: (entry: LogEntry) => void;
  /**
   * Keep plugins' enabled state, job runs, plugin logs and the admin audit trail in the
   * database (`goatkit_*` tables), so a restart keeps them; retention limits here. `false`
   * keeps them in memory only. Default: on. See docs/state.md.
   */
  platformState?: PlatformStateOptions | false;
  /**
   * Whose rights gRPC plugin processes have: `runAs: "separate-users"` (the default when the
   * host runs as root or with CAP_SETUID, CAP_SETGID and CAP_CHOWN) gives each plugin a uid of
   * its own from `uidBase`; `"host-user"` runs them as the host's user. See docs/grpc.md.
   */
  grpc?: GrpcProcessOptions;
}

/**
 * The reference host: services on embedded defaults (or the ones given), and the plugins
 * loaded into it.
 *
 * @example
 * const host = await createHost();
 * await host.load("./plugins/ticket-counter");
 * const res = await host.call("ticket-counter", "get_counts");
 * console.log(res.status, res.body);
 * await host.close();
 */
export class Host {
  /** The one registry of plugins: those loaded here and those a PluginManager over this host manages. */
  readonly registry = new PluginRegistry();

  private constructor(
    readonly services: HostServices,
    /** What every plugin on this host loads with unless its caller overrides it; filled once, in create. */
    readonly defaults: Readonly<PluginDefaults>,
    /** The durable platform state; null with `platformState: false`. */
    readonly state: PlatformState | null,
    /** The keys a package must be signed by, by key id; null when signatures are not required. */
    readonly requiredSigners: ReadonlyMap<string, PublicKey> | null = null,
  ) {}

  static async create(options: HostOptions = {}): Promise<Host> {
    const now = options.now ?? Date.now;
    // Settings are checked before anything is opened.
    const limitCeilings = limitCeilingsOf(options.limitCeilings);
    const requiredSigners = options.requireSignatures ? parseTrustedKeys(options.requireSignatures.trustedKeys) : null;
    if (requiredSigners && requiredSigners.size === 0) throw new TypeError("requireSignatures needs at least one trusted key (trustedKeys), else no package could load; add the publishers' public keys");
    const grpc = grpcProcessSettings(options.grpc);
    const logs = new LogStore(1000, now);
    if (options.echoLogs) logs.subscribe(options.echoLogs);
    const db = openDatabase(options.database);
    let state: PlatformState | null = null;
    if (options.platformState !== false) {
      try {
        state = await PlatformState.open(db, logs, options.platformState ?? {}, now);
      } catch (error) {
        // A database given by the caller is theirs to close; the embedded one is ours.
        if (!(options.database && "query" in options.database)) await db.close();
        throw error;
      }
    }
    // plugin_call takes the host's one call path (a plugin manager over the host takes it over).
    const plugins = new PluginBus((plugin, handler, input) => host.call(plugin, handler, input), now);
    const host: Host = new Host({
      db,
      cache: options.cache ?? new MemoryCache(now),
      mail: options.mail ?? new DevMailbox(now),
      http: options.http ?? new FetchHttp(),
      logs,
      jobs: new JobRegistry(now),
      now,
      mailFrom: options.mailFrom ?? "goatkit@localhost",
      callLimits: { ...DEFAULT_HOST_CALL_LIMITS, ...options.callLimits },
      ...(options.onHostCall ? { onHostCall: options.onHostCall } : {}),
      grpc,
      plugins,
    }, pluginDefaults(options, limitCeilings), state, requiredSigners);
    return host;
  }

  /**
   * The options a plugin loads with on this host: the host's defaults, overridden by `options`
   * (a plugin manager's or one load's own settings). Every load path takes its options here.
   */
  loadOptions(options: LoadOptions = {}): ResolvedLoadOptions {
    const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as LoadOptions;
    return { ...this.defaults, ...given };
  }

  /** The most a plugin's manifest may ask for in `limits` on this host. */
  get limitCeilings(): Readonly<PluginLimits> {
    return this.defaults.limitCeilings;
  }

  get logs(): LogStore {
    return this.services.logs;
  }

  get jobs(): JobRegistry {
    return this.services.jobs;
  }

  /** The dev mailbox, when the host uses it. */
  get mailbox(): DevMailbox | null {
    return this.services.mail instanceof DevMailbox ? this.services.mail : null;
  }

  /** The loaded plugins: those loaded here and those a plugin manager over this host loaded. */
  get plugins(): Plugin[] {
    return this.registry.loaded();
  }

  plugin(name: string): Plugin | undefined {
    return this.registry.get(name)?.plugin ?? undefined;
  }

  /** Loads (or reloads) a plugin from a folder or `.wasm` file; a reload replaces the old one. */
  async load(path: string, options: LoadOptions = {}): Promise<Plugin> {
    if (this.requiredSigners) throw new PluginCallError("E_LOAD", unsignedRefusal(`${path} is a plugin folder or module, which cannot be signed`));
    const plugin = await Plugin.load(path, this.services, this.loadOptions(options));
    const { previous } = await this.registry.give(plugin, this.services.now());
    if (previous) await previous.close();
    return plugin;
  }

  /** Unloads a plugin: its runtime is released and its scheduled jobs are dropped. */
  async unload(name: string): Promise<boolean> {
    const plugin = this.registry.get(name)?.plugin;
    if (!plugin) return false;
    this.registry.delete(name);
    this.services.jobs.removePlugin(name);
    await plugin.close();
    return true;
  }

  /** Calls a handler: through the plugin manager over this host when there is one, else on the loaded plugin. */
  call(pluginName: string, handler: string, request: RequestInput = {}): Promise<PluginResponse> {
    return this.registry.call(pluginName, handler, request);
  }

  async close(): Promise<void> {
    const loaded = this.registry.loaded();
    for (const name of this.registry.names()) this.registry.delete(name);
    await Promise.all(loaded.map((p) => p.close()));
    await this.state?.close();
    const { db, cache, mail, http } = this.services;
    await Promise.all([db.close(), cache.close(), mail.close(), http.close()]);
  }
}

/** Creates a host; see {@link Host}. */
export function createHost(options: HostOptions = {}): Promise<Host> {
  return Host.create(options);
}

/** Every plugin default, filled from the host's options; the one place they are filled. */
function pluginDefaults(options: HostOptions, limitCeilings: Readonly<PluginLimits>): PluginDefaults {
  return {
    isolation: options.isolation ?? "worker",
    ...checkPoolSizeSetting(options.poolSize ?? 1, options.maxPoolSize ?? DEFAULT_MAX_POOL_SIZE),
    cacheDir: options.cacheDir || join(tmpdir(), "goatkit-cache"),
    ...(options.cacheMaxBytes !== undefined ? { cacheMaxBytes: options.cacheMaxBytes } : {}),
    limitCeilings,
  };
}

function openDatabase(option: HostOptions["database"]): DatabaseService {
  if (option && "query" in option) return option;
  const db = new SqliteDatabase(option?.file ?? ":memory:");
  if (option?.demo !== false && !db.hasDemoSchema()) db.seedDemo(option?.demo ?? {});
  return db;
}

/** Why a plugin that is not a package signed by a required key is refused, with the fixes. */
export function unsignedRefusal(problem: string): string {
  return `${problem}; this host loads only packages signed by a trusted key (requireSignatures, packages.require_signatures in the host config). Pack and sign the plugin (gk plugin pack --key <private key>) and install the .zip from a packages folder (packages.dir), or add its publisher's public key to packages.trusted_keys`;
}
