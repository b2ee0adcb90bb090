import { messageOf } from "../../errors.js";
import { workerExecArgv, workerScript } from "../worker-threads.js";
import { Worker } from "node:worker_threads";
import { HostCallError } from "../../host-functions/host-call-error.js";
import { pluginCallDepth } from "../../host-functions/plugin-bus.js";
import type { HostCalls } from "../../host-functions/host-calls.js";
import { PluginCallError, requireAbiVersion, type PluginErrorCode } from "../plugin-call-error.js";
import type { PluginRunner, RunnerOptions } from "../plugin-runner.js";
import { Channel, State, type CallHeader, type DoneHeader, type HostCallHeader, type ReplyHeader } from "./channel.js";
import type { PluginWorkerData } from "./plugin-worker.js";
import { CallWatchdog } from "./call-watchdog.js";
import { answer } from "./host-call-answer.js";
import { PLUGIN_WORKER_RESOURCES, spareWorkers } from "./spare-workers.js";
import { exportsOf, type GuestSource } from "../guest.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

export interface WorkerPoolOptions {
  /** Workers per plugin, each serving one call at a time: one warm, the others started when calls overlap. */
  poolSize: number;
}

interface Slot {
  worker: Worker;
  /**
   * Two channels the worker serves in turn: while a call runs on one, the next can be handed
   * over on the other, so under load the worker goes on to it without sleeping and being woken.
   */
  lanes: [Channel, Channel];
  /** Each lane's host functions (per-call state: budget, last_error). */
  laneCalls: [HostCalls, HostCalls];
  /** The lane the next call goes to. */
  nextLane: 0 | 1;
  /** Calls handed to this worker and not over: 0, 1, or 2 (one running, the next handed over). */
  posted: number;
  /** Settles when the last call handed to this worker is over: true if the worker goes on to the next. */
  tail: Promise<boolean> | null;
  /** When this worker's latest call was handed over or started (performance.now()). */
  lastStart: number;
  /** Counts the workers this slot has had: a call of an earlier one leaves the counts alone. */
  generation: number;
  /** The thread runs (Node and the worker script loaded): not the plugin's time. */
  booted: Promise<void>;
  /** `booted` has resolved. */
  isBooted?: boolean;
  /** The module is instantiated (its start function returned). */
  ready: Promise<void>;
  /** Started for one nested plugin_call while every pooled worker was busy; ends after it. */
  extra?: boolean;
}

/** A call handed to a worker that was replaced before it could run it: it goes to another. */
const RETRY = Symbol("retry");

/**
 * A call is handed to a busy worker, to run next, only if that worker's current call began this
 * recently: a call stuck behind a slow one would wait for it (or for its time-out) instead of
 * the next free worker.
 */
const HANDOVER_WINDOW_MS = 5;

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
  /** Running calls' deadlines: past one, the call fails and its worker is replaced. */
  readonly #watchdog = new CallWatchdog<Slot>((slot) => {
    // terminate() stops even a guest spinning in a loop; a fresh worker takes its place.
    void slot.worker.terminate();
    this.#replace(slot);
    return new PluginCallError("E_TIMEOUT", `the call ran longer than ${this.options.timeoutMs} ms and was stopped; make it faster or raise limits.timeout_ms`);
  });

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
    this.#watchdog.stopIfIdle();
    await Promise.all(this.#slots.map((slot) => slot.worker.terminate()));
    this.#slots.length = 0;
  }

  /** Workers currently alive (for metrics and tests). */
  get threadIds(): number[] {
    return this.#slots.map((s) => s.worker.threadId);
  }

  async #run(header: CallHeader, request: Uint8Array | null): Promise<{ bytes: Uint8Array | null; kind: string; value?: number }> {
    // Counted from before the queue: calls waiting for a worker are this thread's work too.
    callsInFlight++;
    try {
      for (;;) {
        if (this.#closed) throw new PluginCallError("E_PLUGIN_DISABLED", "the plugin was unloaded");
        const outcome = await this.#runOn(await this.#acquire(), header, request);
        if (outcome === RETRY) continue;
        const done = outcome.header;
        if (!done.ok) throw new PluginCallError(done.code as PluginErrorCode, done.message, { wasmFrames: done.wasmFrames });
        return { bytes: done.kind === "bytes" ? (outcome.raw ?? new Uint8Array()) : null, kind: done.kind, ...(done.value === undefined ? {} : { value: done.value }) };
      }
    } finally {
      callsInFlight--;
    }
  }

  /**
   * Runs one call on a slot #acquire gave it: at once, or handed over to run after the current
   * one. Its lane is taken here, in the order calls were given the slot, which is the order the
   * worker serves them in.
   */
  async #runOn(slot: Slot, header: CallHeader, request: Uint8Array | null): Promise<{ header: DoneHeader; raw: Uint8Array | null } | typeof RETRY> {
    const generation = slot.generation;
    const lane = slot.nextLane;
    slot.nextLane = lane === 0 ? 1 : 0;
    const channel = slot.lanes[lane];
    const calls = slot.laneCalls[lane];
    const previous = slot.tail;
    let over!: (workerGoesOn: boolean) => void;
    slot.tail = new Promise<boolean>((resolve) => (over = resolve));
    slot.lastStart = performance.now();
    let posted = false;
    const post = () => {
      calls.beginCall();
      channel.write(header, request);
      channel.clock = this.options.now();
      channel.signal(State.Call);
      posted = true;
    };
    try {
      await this.#booted(slot);
      let outcome: { header: DoneHeader; raw: Uint8Array | null };
      if (previous) {
        // The worker takes this lane's call as soon as the previous one is over, and this call's
        // time starts then; if the worker did not go on (replaced, or the plugin closed), the
        // call never ran.
        post();
        if (!(await previous)) return RETRY;
        slot.lastStart = performance.now();
        outcome = await this.#watchdog.run(slot, this.options.timeoutMs, () => this.#converse(channel, calls));
      } else {
        // The time-out covers instantiation too: a module whose start function never returns is
        // stopped like a handler that never returns.
        outcome = await this.#watchdog.run(slot, this.options.timeoutMs, async () => {
          await slot.ready;
          post();
          return this.#converse(channel, calls);
        });
      }
      // The worker waits for the next call, not for this: no need to wake it.
      channel.signal(State.Idle, false);
      return outcome;
    } finally {
      // A lane that never got its call would keep the worker waiting on it: start it afresh.
      if (!posted && slot.generation === generation && !this.#closed) {
        void slot.worker.terminate();
        this.#replace(slot);
      }
      over(slot.generation === generation && !this.#closed);
      this.#release(slot, generation);
    }
  }

  /** Answers the worker's host calls until it reports the call done. */
  async #converse(channel: Channel, calls: HostCalls): Promise<{ header: DoneHeader; raw: Uint8Array | null }> {
    let state: number = State.Call;
    for (;;) {
      // Spinning for the answer pays only when this call is all the host thread has to do; with
      // others in flight (HTTP load) the spin would take their time, so it looks again between
      // their turns instead, and the worker need not wake this thread.
      state = await (callsInFlight > 1 ? channel.changeFrom(state, 0, POLL_MILLIS_UNDER_LOAD) : channel.changeFrom(state));
      if (state === State.Done) return channel.read<DoneHeader>();
      if (state !== State.HostCall) continue;
      const { header, raw } = channel.read<HostCallHeader>();
      let reply: { header: ReplyHeader; raw: Uint8Array | null };
      try {
        reply = await answer(calls, header, raw);
      } catch (error) {
        const e = error instanceof HostCallError ? error : new HostCallError("E_SERVICE", messageOf(error));
        reply = { header: { ok: false, code: e.code, message: e.message }, raw: null };
      }
      channel.write(reply.header, reply.raw);
      channel.clock = this.options.now();
      channel.signal(State.Reply);
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

  #spawn(): Slot {
    const slot = { generation: 0 } as Slot;
    this.#start(slot);
    return slot;
  }

  /** Starts (or restarts, after a time-out or crash) the worker behind a slot, in place. */
  #start(slot: Slot): void {
    const frameBytes = Math.max(this.options.maxResultBytes, 1024 * 1024) * 2;
    const lanes: [Channel, Channel] = [Channel.create(frameBytes), Channel.create(frameBytes)];
    const laneCalls: [HostCalls, HostCalls] = [this.options.calls.fork(), this.options.calls.fork()];
    const data: PluginWorkerData = {
      source: this.source,
      buffers: [lanes[0].buffer, lanes[1].buffer],
      maxResultBytes: this.options.maxResultBytes,
      limits: laneCalls[0].workerLimits,
      cacheReads: laneCalls[0].sharedCacheReads(),
    };
    // A QuickJS plugin takes the spare worker when there is one (booted, engine warm): it gets
    // its data as a message instead of workerData.
    const spare = this.source.kind === "quickjs" ? spareWorkers.take() : null;
    spare?.postMessage(data);
    const worker = spare ?? new Worker(workerScript("plugin-worker"), { workerData: data, resourceLimits: PLUGIN_WORKER_RESOURCES, execArgv: workerExecArgv() });
    slot.worker = worker;
    slot.lanes = lanes;
    slot.laneCalls = laneCalls;
    slot.nextLane = 0;
    slot.posted = 0;
    slot.tail = null;
    slot.generation++;
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
      if (!this.#closed && slot.worker === worker && slot.posted === 0) this.#start(slot);
    });
    worker.unref();
  }

  #replace(slot: Slot): void {
    if (!this.#closed) this.#start(slot);
  }

  #acquire(): Promise<Slot> {
    const free = this.#slots.find((s) => s.posted === 0);
    if (free) {
      free.posted = 1;
      return Promise.resolve(free);
    }
    if (!this.#closed && this.#slots.filter((s) => !s.extra).length < this.#poolSize) {
      const grown = this.#spawn();
      grown.posted = 1;
      this.#slots.push(grown);
      return Promise.resolve(grown);
    }
    // A plugin_call to a plugin whose workers are all busy may come from one of them (a plugin
    // calling itself, or back along a chain), which waits for the answer: queueing it, or handing
    // it to the caller's own worker, would wait forever. It gets a worker of its own instead (a
    // chain is at most MAX_PLUGIN_CALL_DEPTH deep).
    if (pluginCallDepth() > 0 && !this.#closed) {
      const extra = this.#spawn();
      extra.posted = 1;
      extra.extra = true;
      this.#slots.push(extra);
      return Promise.resolve(extra);
    }
    const handover = this.#handoverSlot();
    if (handover) {
      handover.posted = 2;
      return Promise.resolve(handover);
    }
    // Calls queue per plugin: no call sees another call's instance state.
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** A pooled worker running one call that began within the hand-over window, if any. */
  #handoverSlot(): Slot | undefined {
    const since = performance.now() - HANDOVER_WINDOW_MS;
    return this.#slots.find((s) => this.#takesHandover(s, since));
  }

  #takesHandover(slot: Slot, since = performance.now() - HANDOVER_WINDOW_MS): boolean {
    return slot.posted === 1 && !slot.extra && slot.isBooted === true && slot.lastStart >= since;
  }

  #release(slot: Slot, generation: number): void {
    if (slot.extra) {
      this.#slots.splice(this.#slots.indexOf(slot), 1);
      slot.posted = 2; // not restarted when it exits
      void slot.worker.terminate();
      return;
    }
    // A replaced worker's slot started its counts afresh.
    if (slot.generation === generation) slot.posted--;
    if (this.#closed || this.#waiting.length === 0) return;
    if (slot.posted === 0 || this.#takesHandover(slot)) {
      slot.posted++;
      this.#waiting.shift()!(slot);
    }
  }
}
