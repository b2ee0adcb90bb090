import { messageOf } from "../../errors.js";
import { workerExecArgv, workerScript } from "../worker-threads.js";
import { Worker } from "node:worker_threads";
import { HostCallError } from "../../host-functions/host-call-error.js";
import { pluginCallDepth } from "../../host-functions/plugin-bus.js";
import { mapMaybePromise, type HostCalls } from "../../host-functions/host-calls.js";
import { hostFunction, jsonBytesOf, type HostArg } from "../../host-functions/host-function-table.js";
import type { MaybePromise } from "../../services/types.js";
import { PluginCallError, requireAbiVersion, type PluginErrorCode } from "../plugin-call-error.js";
import type { PluginRunner, RunnerOptions } from "../plugin-runner.js";
import { Channel, State, type CallHeader, type DoneHeader, type HostCallHeader, type ReplyHeader } from "./channel.js";
import type { PluginWorkerData } from "./plugin-worker.js";
import { PLUGIN_WORKER_RESOURCES, spareWorkers } from "./spare-workers.js";
import { exportsOf, type GuestSource } from "../guest.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

export interface WorkerPoolOptions {
  /** Workers per plugin, each serving one call at a time: one warm, the others started when calls overlap. */
  poolSize: number;
}

interface Slot {
  worker: Worker;
  channel: Channel;
  calls: HostCalls;
  /** The thread runs (Node and the worker script loaded): not the plugin's time. */
  booted: Promise<void>;
  /** `booted` has resolved. */
  isBooted?: boolean;
  /** The module is instantiated (its start function returned). */
  ready: Promise<void>;
  busy: boolean;
  /** Started for one nested plugin_call while every pooled worker was busy; ends after it. */
  extra?: boolean;
  /** The running call's deadline (performance.now() time) and how to fail it when it passes. */
  deadline: number;
  expire: (error: PluginCallError) => void;
}

/** Worker calls running on this host thread, over every plugin. */
let callsInFlight = 0;

/**
 * With other calls in flight, how long a call looks for its answer on each turn of the event
 * loop before it sleeps until the worker wakes it (docs/benchmarks.md, "Throughput").
 */
const POLL_MILLIS_UNDER_LOAD = 2;

/** How long a worker thread may take to boot before the plugin's own time starts. */
const BOOT_TIMEOUT_MS = 10_000;

/**
 * Runs a plugin in worker threads (the default, isolated mode), whatever its binding: a module
 * compiled once and shared, a transpiled component each worker imports, or a script for the
 * shared QuickJS engine; each worker holds one instance. A call that outlives its time-out ends its
 * worker, which is replaced; host functions run here, on the host thread, answering the
 * blocked worker through the channel.
 */
export class WorkerRunner implements PluginRunner {
  readonly binding: GuestSource["kind"];
  #exports: readonly string[];
  readonly #slots: Slot[] = [];
  readonly #waiting: ((slot: Slot) => void)[] = [];
  readonly #poolSize: number;
  #closed = false;
  /** Slots running a call, whose deadlines the watchdog keeps. */
  readonly #watched = new Set<Slot>();
  #watchdog: NodeJS.Timeout | null = null;
  #watchAt = Infinity;

  private constructor(
    private readonly source: GuestSource,
    private readonly options: RunnerOptions,
    pool: WorkerPoolOptions,
  ) {
    this.binding = source.kind;
    this.#exports = [];
    this.#poolSize = Math.max(1, pool.poolSize);
    // One worker warm; the pool grows to poolSize only when calls overlap (#acquire), so a
    // plugin called one request at a time costs one worker.
    this.#slots.push(this.#spawn());
    if (source.kind === "quickjs") spareWorkers.retain(source.engine);
  }

  /** Starts the pool; for a binding whose module does not list its handlers, asks an instance for them. */
  static async create(source: GuestSource, options: RunnerOptions, pool: WorkerPoolOptions = { poolSize: 1 }): Promise<WorkerRunner> {
    const runner = new WorkerRunner(source, options, pool);
    try {
      const exports = await exportsOf(source);
      if (exports) runner.#exports = exports;
      else {
        const { bytes } = await runner.#run({ op: "handlers" }, null);
        runner.#exports = JSON.parse(new TextDecoder().decode(bytes ?? new Uint8Array())) as string[];
      }
    } catch (error) {
      await runner.close();
      throw error;
    }
    return runner;
  }

  get exports(): readonly string[] {
    return this.#exports;
  }

  async register(): Promise<string> {
    const abi = await this.#run({ op: "abi" }, null);
    if (abi.kind === "number" && abi.value !== undefined) requireAbiVersion(abi.value);
    const result = await this.#run({ op: "register" }, null);
    if (!result.bytes) throw new PluginCallError("E_REGISTRATION", "gk_register returned nothing; it must return the registration JSON");
    try {
      return utf8.decode(result.bytes);
    } catch {
      throw new PluginCallError("E_INVALID_UTF8", "gk_register returned bytes that are not valid UTF-8");
    }
  }

  async call(handler: string, request: Uint8Array): Promise<Uint8Array | null> {
    return (await this.#run({ op: "call", handler }, request)).bytes;
  }

  async close(): Promise<void> {
    if (!this.#closed && this.source.kind === "quickjs") spareWorkers.release();
    this.#closed = true;
    // Calls still running keep their deadlines: they end in E_TIMEOUT as before the close.
    if (this.#watchdog && this.#watched.size === 0) clearTimeout(this.#watchdog);
    await Promise.all(this.#slots.map((slot) => slot.worker.terminate()));
    this.#slots.length = 0;
  }

  /** Workers currently alive (for metrics and tests). */
  get threadIds(): number[] {
    return this.#slots.map((s) => s.worker.threadId);
  }

  async #run(header: CallHeader, request: Uint8Array | null): Promise<{ bytes: Uint8Array | null; kind: string; value?: number }> {
    if (this.#closed) throw new PluginCallError("E_PLUGIN_DISABLED", "the plugin was unloaded");
    // Counted from before the queue: calls waiting for a worker are this thread's work too.
    callsInFlight++;
    const slot = await this.#acquire();
    try {
      await this.#booted(slot);
      // The time-out covers instantiation too: a module whose start function never returns is
      // stopped like a handler that never returns.
      const outcome = await this.#withTimeout(slot, async () => {
        await slot.ready;
        slot.calls.beginCall();
        slot.channel.write(header, request);
        slot.channel.clock = this.options.now();
        slot.channel.signal(State.Call);
        return this.#converse(slot);
      });
      // The worker waits for the next call, not for this: no need to wake it.
      slot.channel.signal(State.Idle, false);
      const done = outcome.header;
      if (!done.ok) throw new PluginCallError(done.code as PluginErrorCode, done.message, { wasmFrames: done.wasmFrames });
      return { bytes: done.kind === "bytes" ? (outcome.raw ?? new Uint8Array()) : null, kind: done.kind, ...(done.value === undefined ? {} : { value: done.value }) };
    } finally {
      callsInFlight--;
      this.#release(slot);
    }
  }

  /** Answers the worker's host calls until it reports the call done. */
  async #converse(slot: Slot): Promise<{ header: DoneHeader; raw: Uint8Array | null }> {
    let state: number = State.Call;
    for (;;) {
      // Spinning for the answer pays only when this call is all the host thread has to do; with
      // others in flight (HTTP load) the spin would take their time, so it looks again between
      // their turns instead, and the worker need not wake this thread.
      state = await (callsInFlight > 1 ? slot.channel.changeFrom(state, 0, POLL_MILLIS_UNDER_LOAD) : slot.channel.changeFrom(state));
      if (state === State.Done) return slot.channel.read<DoneHeader>();
      if (state !== State.HostCall) continue;
      const { header, raw } = slot.channel.read<HostCallHeader>();
      let reply: { header: ReplyHeader; raw: Uint8Array | null };
      try {
        reply = await answer(slot.calls, header, raw);
      } catch (error) {
        const e = error instanceof HostCallError ? error : new HostCallError("E_SERVICE", messageOf(error));
        reply = { header: { ok: false, code: e.code, message: e.message }, raw: null };
      }
      slot.channel.write(reply.header, reply.raw);
      slot.channel.clock = this.options.now();
      slot.channel.signal(State.Reply);
      state = State.Reply;
    }
  }

  async #booted(slot: Slot): Promise<void> {
    // Once booted, no boot timer: every call would otherwise arm and clear one.
    if (slot.isBooted) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PluginCallError("E_LOAD", `the plugin worker did not start within ${BOOT_TIMEOUT_MS} ms; the machine may be overloaded`)), BOOT_TIMEOUT_MS);
    });
    try {
      await Promise.race([slot.booted, late]);
      slot.isBooted = true;
    } finally {
      clearTimeout(timer);
    }
  }

  #withTimeout<T>(slot: Slot, start: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      slot.deadline = performance.now() + this.options.timeoutMs;
      slot.expire = reject;
      this.#watched.add(slot);
      this.#watch(slot.deadline);
      const settle = () => {
        this.#watched.delete(slot);
        // Idle, the watchdog must not keep the process alive; the next call refs it again.
        if (this.#watched.size === 0) this.#watchdog?.unref();
      };
      start().then(
        (value) => {
          settle();
          resolve(value);
        },
        (error: unknown) => {
          settle();
          reject(error);
        },
      );
    });
  }

  /**
   * One timer per runner watches every call's deadline (a timer per call cost a third of a
   * microsecond on every call's path): it is armed for the earliest deadline and, when it fires,
   * stops the calls past theirs and arms itself for the next.
   */
  #watch(deadline: number): void {
    if (this.#watchdog && this.#watchAt <= deadline) {
      this.#watchdog.ref();
      return;
    }
    if (this.#watchdog) clearTimeout(this.#watchdog);
    this.#watchAt = deadline;
    this.#watchdog = setTimeout(() => this.#expire(), Math.max(0, deadline - performance.now()));
  }

  #expire(): void {
    this.#watchdog = null;
    this.#watchAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const slot of [...this.#watched]) {
      if (slot.deadline > now) {
        next = Math.min(next, slot.deadline);
        continue;
      }
      this.#watched.delete(slot);
      // terminate() stops even a guest spinning in a loop; a fresh worker takes its place.
      void slot.worker.terminate();
      this.#replace(slot);
      slot.expire(new PluginCallError("E_TIMEOUT", `the call ran longer than ${this.options.timeoutMs} ms and was stopped; make it faster or raise limits.timeout_ms`));
    }
    if (next < Infinity) this.#watch(next);
  }

  #spawn(): Slot {
    const slot = { busy: false } as Slot;
    this.#start(slot);
    return slot;
  }

  /** Starts (or restarts, after a time-out or crash) the worker behind a slot, in place. */
  #start(slot: Slot): void {
    const channel = Channel.create(Math.max(this.options.maxResultBytes, 1024 * 1024) * 2);
    const calls = this.options.calls.fork();
    const data: PluginWorkerData = {
      source: this.source,
      buffer: channel.buffer,
      maxResultBytes: this.options.maxResultBytes,
      limits: calls.workerLimits,
      cacheReads: calls.sharedCacheReads(),
    };
    // A QuickJS plugin takes the spare worker when there is one (booted, engine warm): it gets
    // its data as a message instead of workerData.
    const spare = this.source.kind === "quickjs" ? spareWorkers.take() : null;
    spare?.postMessage(data);
    const worker = spare ?? new Worker(workerScript("plugin-worker"), { workerData: data, resourceLimits: PLUGIN_WORKER_RESOURCES, execArgv: workerExecArgv() });
    slot.worker = worker;
    slot.channel = channel;
    slot.calls = calls;
    const failed = new Promise<never>((_, reject) => {
      worker.once("error", (error) => reject(new PluginCallError("E_LOAD", `the plugin worker failed: ${error.message}`)));
    });
    const messages: string[] = [];
    const arrived = (what: string) =>
      Promise.race([
        new Promise<void>((resolve) => {
          const check = (message: string) => {
            messages.push(message);
            if (messages.includes(what)) {
              worker.off("message", check);
              resolve();
            }
          };
          worker.on("message", check);
        }),
        failed,
      ]);
    slot.isBooted = false;
    slot.booted = arrived("booted");
    slot.ready = arrived("ready");
    slot.booted.catch(() => {});
    slot.ready.catch(() => {});
    // A worker that dies outside a call (out of memory, crash) is replaced before the next one.
    worker.once("exit", () => {
      if (!this.#closed && slot.worker === worker && !slot.busy) this.#start(slot);
    });
    worker.unref();
  }

  #replace(slot: Slot): void {
    if (!this.#closed) this.#start(slot);
  }

  #acquire(): Promise<Slot> {
    const free = this.#slots.find((s) => !s.busy);
    if (free) {
      free.busy = true;
      return Promise.resolve(free);
    }
    if (!this.#closed && this.#slots.filter((s) => !s.extra).length < this.#poolSize) {
      const grown = this.#spawn();
      grown.busy = true;
      this.#slots.push(grown);
      return Promise.resolve(grown);
    }
    // A plugin_call to a plugin whose workers are all busy may come from one of them (a plugin
    // calling itself, or back along a chain), which waits for the answer: queueing it would wait
    // forever. It gets a worker of its own instead (a chain is at most MAX_PLUGIN_CALL_DEPTH deep).
    if (pluginCallDepth() > 0 && !this.#closed) {
      const extra = this.#spawn();
      extra.busy = true;
      extra.extra = true;
      this.#slots.push(extra);
      return Promise.resolve(extra);
    }
    // Calls queue per plugin: no call sees another call's instance state.
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(slot: Slot): void {
    if (slot.extra) {
      this.#slots.splice(this.#slots.indexOf(slot), 1);
      slot.busy = true; // not restarted when it exits
      void slot.worker.terminate();
      return;
    }
    const next = this.#waiting.shift();
    if (next && !this.#closed) next(slot);
    else slot.busy = false;
  }
}

const encoder = new TextEncoder();
const VOID: { header: ReplyHeader; raw: Uint8Array | null } = { header: { ok: true, kind: "void" }, raw: null };

/**
 * Runs one host function on the host thread for a worker, by its table row: arguments come back
 * to their kinds (`bytes` from the raw part), the result leaves as bytes. A `json` result is
 * stringified here, once; the worker hands that text to the guest as it is.
 */
function answer(calls: HostCalls, request: HostCallHeader, raw: Uint8Array | null): MaybePromise<{ header: ReplyHeader; raw: Uint8Array | null }> {
  const entry = hostFunction(request.fn);
  if (!entry) throw new HostCallError("E_INVALID_ARGUMENT", `there is no host function "${String(request.fn)}"`);
  const args: HostArg[] = [];
  let at = 0;
  for (let i = 0; i < entry.args.length; i++) {
    const value = request.args[i];
    const kind = entry.args[i]!.kind;
    if (kind === "bytes") {
      const length = typeof value === "number" ? value : 0;
      args.push(raw ? raw.subarray(at, at + length) : new Uint8Array());
      at += length;
    } else if (kind === "u32") args.push(Number(value));
    else args.push(value === null ? undefined : value);
  }
  return mapMaybePromise(calls.call(entry.name, args), (value): { header: ReplyHeader; raw: Uint8Array | null } => {
    switch (entry.result) {
      case "json":
        return { header: { ok: true, kind: "json" }, raw: jsonBytesOf(value) };
      case "text":
        return { header: { ok: true, kind: "text" }, raw: encoder.encode(value as string) };
      case "bytes":
        return value === null ? { header: { ok: true, kind: "null" }, raw: null } : { header: { ok: true, kind: "bytes" }, raw: value as Uint8Array };
      default:
        return VOID;
    }
  });
}
