import { chmod, lstat, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import type { HostCalls } from "../../host-functions/host-calls.js";
import type { LogStore } from "../../services/log-store.js";
import { PluginCallError } from "../plugin-call-error.js";
import type { PluginRunner, RunnerInfo } from "../plugin-runner.js";
import { HostService } from "./host-service.js";
import { protos } from "./plugin-proto.js";
import { checkHealth, unary, withDeadline, type Client } from "./grpc-client.js";
import { describeExit, PluginProcess, type ExitInfo } from "./plugin-process.js";
import { handOver, removePrivateDir, whyUnreachable, type ProcessUser } from "./process-user.js";

export interface GrpcRunnerOptions {
  /** The plugin executable (absolute). */
  executable: string;
  /** The plugin folder: the process's working directory. */
  cwd: string;
  calls: HostCalls;
  logs: LogStore;
  /** Handlers the manifest names: the plugin's "exports" when Register does not list its own. */
  manifestHandlers: readonly string[];
  /** Poll grpc.health.v1 (manifest `grpc.health_check`); otherwise a connection is readiness. */
  healthCheck: boolean;
  healthIntervalMs: number;
  startTimeoutMs: number;
  stopGraceMs: number;
  timeoutMs: number;
  maxResultBytes: number;
  maxLogBytes: number;
  /**
   * The plugin's own uid and gid (grpc run_as "separate-users"): the process runs as it, and
   * its private directory belongs to it; absent, everything runs as the host's user.
   */
  user?: ProcessUser;
}


/** One started process and the clients that talk to it. */
interface Instance {
  process: PluginProcess;
  plugin: Client;
  health: Client;
  /** Serves no health service although the manifest asks for checks: only the process is watched. */
  healthless?: boolean;
}

const MAX_BACKOFF_MS = 30_000;
const FIRST_BACKOFF_MS = 100;
/** A process that stays up this long has recovered: the next crash restarts it without delay. */
const STABLE_MS = 10_000;
const UNHEALTHY_AFTER = 2;
const OUTPUT_LINES_PER_SECOND = 200;

/**
 * Runs a gRPC process plugin (runtime "grpc"): starts the executable with its socket, waits
 * until it serves (health SERVING, or a connection), hands it the host service with SetHost,
 * and calls it with a deadline from `limits.timeout_ms`. A process that exits, stops answering
 * health checks or outlives a call's deadline is replaced, with growing delays between
 * failed starts. Calls queue per plugin, as for a WebAssembly plugin's instance, so the host
 * calls a handler makes are counted against that call.
 */
export class GrpcRunner implements PluginRunner {
  readonly binding = "grpc" as const;
  #exports: readonly string[];
  #instance: Instance | null = null;
  /** The start in progress or done; null while waiting out a backoff. */
  #starting: Promise<Instance> | null = null;
  #lastFailure: string | null = null;
  #failures = 0;
  #restartTimer: NodeJS.Timeout | null = null;
  #restartAt = 0;
  #stableTimer: NodeJS.Timeout | null = null;
  #healthTimer: NodeJS.Timeout | null = null;
  #unhealthy = 0;
  #inCall = false;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(
    private readonly options: GrpcRunnerOptions,
    private readonly dir: string,
    private readonly hostService: HostService,
  ) {
    this.#exports = options.manifestHandlers;
  }

  /** Creates the private socket directory and the host service, and starts the process. */
  static async create(options: GrpcRunnerOptions): Promise<GrpcRunner> {
    await stat(options.executable).catch(() => {
      throw new PluginCallError("E_LOAD", `${options.executable}: no such file; build the plugin first (gk plugin build)`);
    });
    // mkdtemp creates the folder with mode 0700: only its owner reaches the sockets in it. With
    // a plugin user, that owner is the plugin (it creates its socket there), given the folder
    // once the host's socket is in place.
    const dir = await mkdtemp(join(tmpdir(), "gk-grpc-"));
    let runner: GrpcRunner | null = null;
    try {
      const hostSocket = join(dir, "host.sock");
      const hostService = await HostService.listen(hostSocket, () => options.calls);
      await handOver(dir, hostSocket, options.user);
      runner = new GrpcRunner(options, dir, hostService);
      await runner.#ensureStarted();
      return runner;
    } catch (error) {
      if (runner) await runner.close();
      else await removePrivateDir(dir, options.user);
      throw error;
    }
  }

  get exports(): readonly string[] {
    return this.#exports;
  }

  /** The running process's id (the admin API, the dashboard, memory estimates). */
  info(): RunnerInfo {
    return { pid: this.#instance?.process.pid };
  }

  async register(): Promise<string> {
    const response = await this.#serialized(async () => {
      const instance = await this.#ensureStarted();
      return unary(instance.plugin, "Register", {}, this.options.timeoutMs).catch((error: grpc.ServiceError) => {
        throw new PluginCallError("E_REGISTRATION", `Register failed: ${error.details || error.message}`);
      });
    });
    const handlers = Array.isArray(response.handlers) ? (response.handlers as string[]) : [];
    if (handlers.length > 0) this.#exports = handlers;
    const registration = typeof response.registration === "string" ? response.registration : "";
    if (registration !== "") return registration;
    return JSON.stringify({ abi: 1, name: response.name, version: response.version, ...(response.description ? { description: response.description } : {}) });
  }

  async call(handler: string, request: Uint8Array): Promise<Uint8Array | null> {
    return this.#serialized(async () => {
      const instance = await this.#ensureStarted();
      this.options.calls.beginCall();
      this.#inCall = true;
      try {
        const response = await unary(instance.plugin, "Call", { function: handler, args: Buffer.from(request) }, this.options.timeoutMs);
        const result = response.result as Buffer;
        return result.byteLength === 0 ? null : new Uint8Array(result);
      } catch (error) {
        throw await this.#callError(instance, handler, error as grpc.ServiceError);
      } finally {
        this.#inCall = false;
      }
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of [this.#restartTimer, this.#stableTimer, this.#healthTimer]) if (timer) clearTimeout(timer);
    const instance = this.#instance;
    this.#instance = null;
    if (instance) {
      closeClients(instance);
      await instance.process.stop(this.options.stopGraceMs);
    } else if (this.#starting) {
      // A start in progress ends in a process that must be stopped too.
      await this.#starting.then((i) => (closeClients(i), i.process.stop(this.options.stopGraceMs))).catch(() => {});
    }
    await this.hostService.close();
    await removePrivateDir(this.dir, this.options.user);
  }

  #serialized<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new PluginCallError("E_PLUGIN_DISABLED", "the plugin was unloaded"));
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  /** The running instance, or the start in progress; fails at once while a backoff runs. */
  #ensureStarted(): Promise<Instance> {
    if (this.#instance) return Promise.resolve(this.#instance);
    if (this.#starting) return this.#starting;
    let delay = 0;
    if (this.#restartTimer) {
      // A restart due within a call's time-out is waited for; a longer backoff fails the call now.
      delay = Math.max(0, this.#restartAt - Date.now());
      if (delay > this.options.timeoutMs) {
        return Promise.reject(new PluginCallError("E_UNAVAILABLE", `the plugin process is not running (${this.#lastFailure}); the host starts it again in ${Math.ceil(delay / 1000)} s`));
      }
      clearTimeout(this.#restartTimer);
      this.#restartTimer = null;
    }
    const starting = sleep(delay).then(() => this.#start());
    this.#starting = starting;
    starting.then(
      (instance) => {
        this.#starting = null;
        this.#instance = instance;
      },
      (error: unknown) => {
        this.#starting = null;
        this.#lastFailure = error instanceof Error ? error.message : String(error);
        this.#scheduleRestart();
      },
    );
    return starting;
  }

  async #start(): Promise<Instance> {
    const socketPath = join(this.dir, "plugin.sock");
    await rm(socketPath, { force: true });
    const process = new PluginProcess({
      executable: this.options.executable,
      cwd: this.options.cwd,
      socketPath,
      sink: (level, message, fields) => this.options.logs.write(this.options.calls.plugin, level, message, fields),
      maxLinesPerSecond: OUTPUT_LINES_PER_SECOND,
      maxLineBytes: this.options.maxLogBytes,
      ...(this.options.user ? { user: this.options.user } : {}),
    });
    const exitedEarly = process.exited.then((info) => {
      throw new PluginCallError("E_LOAD", `the plugin process exited before it served (${describeExit(info)}); ${this.#unreachable() ?? "run it by hand with GOATFLOW_PLUGIN_SOCKET=/tmp/test.sock to see why"}`);
    });
    exitedEarly.catch(() => {});
    let instance: Instance | null = null;
    try {
      instance = await withDeadline(
        Promise.race([this.#connect(process, socketPath), exitedEarly]),
        this.options.startTimeoutMs,
        () => new PluginCallError("E_LOAD", `the plugin process did not serve on its socket within ${this.options.startTimeoutMs} ms; it must listen on the unix socket named by GOATFLOW_PLUGIN_SOCKET${this.options.healthCheck ? " and report SERVING on grpc.health.v1" : ""} (or raise grpc.start_timeout_ms)`),
      );
      const token = this.hostService.rotateToken();
      await Promise.race([unary(instance.plugin, "SetHost", { address: this.hostService.address, token, plugin: this.options.calls.plugin }, this.options.startTimeoutMs), exitedEarly]).catch((error: unknown) => {
        if (error instanceof PluginCallError) throw error;
        throw new PluginCallError("E_LOAD", `SetHost failed: ${(error as grpc.ServiceError).details || String(error)}; the plugin must serve plugin.PluginService (packages/sdk/proto/plugin.proto)`);
      });
      // A plugin user's socket is guarded by its folder; chmod would follow a link the plugin put there.
      if (!this.options.user) await chmod(socketPath, 0o600).catch(() => {});
    } catch (error) {
      if (instance) closeClients(instance);
      await process.kill();
      throw error;
    }
    const ready = instance;
    void process.exited.then((info) => this.#exited(ready, info));
    this.#unhealthy = 0;
    if (this.#stableTimer) clearTimeout(this.#stableTimer);
    this.#stableTimer = setTimeout(() => (this.#failures = 0), STABLE_MS);
    this.#stableTimer.unref();
    this.#watchHealth(ready);
    return ready;
  }

  /** Waits for the socket file, then for the plugin to serve. */
  async #connect(process: PluginProcess, socketPath: string): Promise<Instance> {
    for (;;) {
      const found = await lstat(socketPath).catch(() => null);
      if (found) {
        // In a folder the plugin owns, the host (maybe root) connects only to a socket the plugin made, not to a link elsewhere.
        const user = this.options.user;
        if (user && !(found.isSocket() && found.uid === user.uid)) {
          throw new PluginCallError("E_LOAD", `${socketPath} is not a unix socket created by the plugin's user (uid ${user.uid}); the plugin must listen on GOATFLOW_PLUGIN_SOCKET itself`);
        }
        break;
      }
      if (process.exit) throw new PluginCallError("E_LOAD", "exited");
      await sleep(5);
    }
    const { plugin: pluginPackage, health: Health } = protos();
    const address = `unix://${socketPath}`;
    const channelOptions = {
      "grpc.max_receive_message_length": this.options.maxResultBytes + 64 * 1024,
      "grpc.initial_reconnect_backoff_ms": 20,
      "grpc.max_reconnect_backoff_ms": 200,
    };
    const instance: Instance = {
      process,
      plugin: new pluginPackage.PluginService(address, grpc.credentials.createInsecure(), channelOptions) as unknown as Client,
      health: new Health(address, grpc.credentials.createInsecure(), channelOptions) as unknown as Client,
    };
    try {
      if (!this.options.healthCheck) {
        await new Promise<void>((resolve, reject) => instance.plugin.waitForReady(Date.now() + this.options.startTimeoutMs, (error) => (error ? reject(error) : resolve())));
        return instance;
      }
      for (;;) {
        const status = await checkHealth(instance.health).catch((error: grpc.ServiceError) => (error.code === grpc.status.UNIMPLEMENTED ? "UNIMPLEMENTED" : "UNREACHABLE"));
        if (status === "SERVING") return instance;
        if (status === "UNIMPLEMENTED") {
          this.options.logs.write(this.options.calls.plugin, "warn", "grpc.health_check is true but the plugin does not serve grpc.health.v1.Health; the host only watches the process (register the standard health service, or set grpc.health_check to false)", {});
          instance.healthless = true;
          return instance;
        }
        if (process.exit) throw new PluginCallError("E_LOAD", "exited");
        await sleep(10);
      }
    } catch (error) {
      closeClients(instance);
      throw error;
    }
  }

  /** With a plugin user: what it cannot reach of what it needs, and the fix; null when nothing. */
  #unreachable(): string | null {
    return this.options.user ? whyUnreachable(this.options.user, this.options.executable, [this.options.cwd, this.dir]) : null;
  }

  /** Polls health between calls; a process that fails it twice in a row is replaced. */
  #watchHealth(instance: Instance): void {
    if (!this.options.healthCheck || instance.healthless) return;
    const tick = async () => {
      if (this.#instance !== instance || this.#closed) return;
      // A call in progress has its own deadline; a handler busy on its thread cannot answer.
      if (!this.#inCall) {
        const status = await checkHealth(instance.health).catch((error: grpc.ServiceError) => error.details || error.message);
        if (this.#instance !== instance || this.#closed) return;
        if (status === "SERVING") this.#unhealthy = 0;
        else if (++this.#unhealthy >= UNHEALTHY_AFTER) {
          this.#lastFailure = `it failed ${UNHEALTHY_AFTER} health checks: ${status}`;
          this.options.logs.write(this.options.calls.plugin, "error", `the plugin process is unhealthy (${status}); restarting it`, { pid: instance.process.pid });
          await this.#replace(instance);
          return;
        }
      }
      this.#healthTimer = setTimeout(tick, this.options.healthIntervalMs);
      this.#healthTimer.unref();
    };
    this.#healthTimer = setTimeout(tick, this.options.healthIntervalMs);
    this.#healthTimer.unref();
  }

  /** The process ended on its own (not through #replace or close): restart it. */
  #exited(instance: Instance, info: ExitInfo): void {
    if (this.#instance !== instance) return;
    this.#instance = null;
    closeClients(instance);
    if (this.#closed) return;
    this.#lastFailure = `it exited: ${describeExit(info)}`;
    this.options.logs.write(this.options.calls.plugin, "error", `the plugin process exited (${describeExit(info)}); restarting it`, { pid: instance.process.pid });
    this.#scheduleRestart();
  }

  /** Kills a hung or unhealthy process and starts another. */
  async #replace(instance: Instance): Promise<void> {
    if (this.#instance === instance) this.#instance = null;
    closeClients(instance);
    await instance.process.kill();
    if (!this.#closed) this.#scheduleRestart();
  }

  /** Starts again after a delay that doubles with each failure in a row (0 for the first). */
  #scheduleRestart(): void {
    if (this.#closed || this.#restartTimer) return;
    const delay = this.#failures === 0 ? 0 : Math.min(FIRST_BACKOFF_MS * 2 ** (this.#failures - 1), MAX_BACKOFF_MS);
    this.#failures++;
    if (this.#stableTimer) clearTimeout(this.#stableTimer);
    this.#restartAt = Date.now() + delay;
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = null;
      if (!this.#closed && !this.#instance && !this.#starting) void this.#ensureStarted().catch(() => {});
    }, delay);
    this.#restartTimer.unref();
  }

  async #callError(instance: Instance, handler: string, error: grpc.ServiceError): Promise<PluginCallError> {
    const details = error.details || error.message;
    switch (error.code) {
      case grpc.status.DEADLINE_EXCEEDED:
        this.options.logs.write(this.options.calls.plugin, "error", `${handler} ran longer than ${this.options.timeoutMs} ms; restarting the plugin process`, { pid: instance.process.pid });
        this.#lastFailure = `a call ran longer than ${this.options.timeoutMs} ms`;
        await this.#replace(instance);
        return new PluginCallError("E_TIMEOUT", `the call ran longer than ${this.options.timeoutMs} ms and was stopped; make it faster or raise limits.timeout_ms`);
      case grpc.status.RESOURCE_EXHAUSTED:
        if (/message larger than max/i.test(details)) return new PluginCallError("E_RESULT_TOO_LARGE", `the plugin's result is larger than limits.max_result_bytes (${this.options.maxResultBytes})`);
        break;
      case grpc.status.NOT_FOUND:
      case grpc.status.UNIMPLEMENTED:
        return new PluginCallError("E_UNKNOWN_HANDLER", `the plugin has no handler "${handler}": ${details}`);
      case grpc.status.UNAVAILABLE:
      case grpc.status.CANCELLED: {
        // The connection dropped: most often the process died under the call.
        const info = await Promise.race([instance.process.exited, sleep(200).then(() => null)]);
        if (info) return new PluginCallError("E_TRAP", `the plugin process exited during the call (${describeExit(info)}); the host restarts it`);
        return new PluginCallError("E_UNAVAILABLE", `the plugin process did not answer: ${details}`);
      }
      case grpc.status.INTERNAL:
        if (/pars|deseriali/i.test(details)) return new PluginCallError("E_TRAP", `the plugin answered something that is not a plugin.CallResponse (${details}); it must serve packages/sdk/proto/plugin.proto`);
        break;
    }
    if (/unknown function|unknown handler|no handler/i.test(details)) return new PluginCallError("E_UNKNOWN_HANDLER", `the plugin has no handler "${handler}": ${details}`);
    if (/serializ/i.test(details)) return new PluginCallError("E_TRAP", `${handler} failed: the plugin could not encode its CallResponse (${details}); \`result\` is bytes: send a Buffer (Buffer.from(JSON.stringify(value))), not a string`);
    return new PluginCallError("E_TRAP", `${handler} failed: ${details}`);
  }
}

function closeClients(instance: Instance): void {
  instance.plugin.close();
  instance.health.close();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
