import { messageOf } from "../../errors.js";
import { workerExecArgv, workerScript } from "../worker-threads.js";
import { Worker } from "node:worker_threads";
import { HostCallError } from "../../host-functions/host-call-error.js";
import { pluginCallDepth } from "../../host-functions/plugin-bus.js";
import { PluginCallError, requireAbiVersion, type PluginErrorCode } from "../plugin-call-error.js";
import type { PluginRunner, RunnerOptions } from "../plugin-runner.js";
import { Channel, State, type CallHeader, type DoneHeader, type HostCallHeader, type ReplyHeader } from "./channel.js";
import type { PluginWorkerData } from "./plugin-worker.js";
import { CallWatchdog } from "./call-watchdog.js";
import { answer } from "./host-call-answer.js";
import { LogBuffer } from "./log-buffer.js";
import { WorkerWakes } from "./worker-wakes.js";
import { WORKER_LANES, ridesWake, sleeps, takesHandover, workerMilestones, type Lane, type Slot } from "./worker-slot.js";
import { PLUGIN_WORKER_RESOURCES, spareWorkers } from "./spare-workers.js";
import { exportsOf, type GuestSource } from "../guest.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

export interface WorkerPoolOptions {
  /** Workers per plugin, each serving one call at a time: one warm, the others started when calls overlap. */
  poolSize: number;
}

/** A call handed to a worker that was replaced before it could run it: it goes to another. */
const RETRY = Symbol("retry");

/** Wakes of sleeping workers, deferred to the end of the event loop's turn (over every plugin). */
const wakes = new WorkerWakes();

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
  readonly #watchdog = new CallWatchdog<{ slot: Slot; lane: Lane }>(({ slot, lane }) => {
    // The call's log lines so far, before its failure is logged; the worker may still be writing.
    lane.logs.drainTo(lane.calls, false);
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
    slot.nextLane = (lane + 1) % slot.lanes.length;
    const taken = slot.lanes[lane]!;
    const { channel, calls } = taken;
    const previous = slot.tail;
    let over!: (workerGoesOn: boolean) => void;
    slot.tail = new Promise<boolean>((resolve) => (over = resolve));
    // A call handed over starts when the one before it is over (below), not now.
    if (!previous) slot.lastStart = performance.now();
    let posted = false;
    const post = () => {
      calls.beginCall();
      channel.write(header, request);
      channel.clock = this.options.now();
      channel.signal(State.Call, false);
      posted = true;
      // A worker that spins sees the call. A sleeping one is woken at the end of this turn,
      // with the calls of the turn that ride that wake (ridesWake, worker-slot.ts); a call
      // alone wakes it now: none can ride, and this thread is about to wait for the answer.
      if (!slot.wakePending && !channel.workerAsleep) return;
      if (callsInFlight > 1) wakes.later(channel, () => (slot.wakePending = false));
      else {
        slot.wakePending = false;
        channel.wakeWorker();
      }
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
        outcome = await this.#watchdog.run({ slot, lane: taken }, this.options.timeoutMs, () => this.#converse(taken));
      } else {
        // The time-out covers instantiation too: a module whose start function never returns is
        // stopped like a handler that never returns.
        outcome = await this.#watchdog.run({ slot, lane: taken }, this.options.timeoutMs, async () => {
          await slot.ready;
          post();
          return this.#converse(taken);
        });
      }
      slot.lastCallMs = channel.callMs;
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
  async #converse(lane: Lane): Promise<{ header: DoneHeader; raw: Uint8Array | null }> {
    const { channel, calls } = lane;
    let state: number = State.Call;
    for (;;) {
      // Spinning for the answer pays only when this call is all the host thread has to do; with
      // others in flight (HTTP load) the spin would take their time, so it looks again between
      // their turns instead, and the worker need not wake this thread.
      state = await (callsInFlight > 1 ? channel.changeFrom(state, 0, POLL_MILLIS_UNDER_LOAD) : channel.changeFrom(state));
      if (state !== State.Done && state !== State.HostCall) continue;
      // The worker is waiting or done: the lines it logged so far come before what follows.
      lane.logs.drainTo(lane.calls);
      if (state === State.Done) return channel.read<DoneHeader>();
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
    const lane = (): Lane => ({ channel: Channel.create(frameBytes), calls: this.options.calls.fork(), logs: new LogBuffer() });
    const lanes = Array.from({ length: WORKER_LANES }, lane);
    const data: PluginWorkerData = {
      source: this.source,
      lanes: lanes.map((l) => ({ channel: l.channel.buffer, logs: l.logs.buffer })),
      maxResultBytes: this.options.maxResultBytes,
      limits: lanes[0]!.calls.workerLimits,
      cacheReads: lanes[0]!.calls.sharedCacheReads(),
    };
    // A QuickJS plugin takes the spare worker when there is one (booted, engine warm): it gets
    // its data as a message instead of workerData.
    const spare = this.source.kind === "quickjs" ? spareWorkers.take() : null;
    spare?.postMessage(data);
    const worker = spare ?? new Worker(workerScript("plugin-worker"), { workerData: data, resourceLimits: PLUGIN_WORKER_RESOURCES, execArgv: workerExecArgv() });
    slot.worker = worker;
    slot.lanes = lanes;
    slot.nextLane = 0;
    slot.posted = 0;
    slot.wakePending = false;
    slot.lastCallMs = Infinity;
    slot.tail = null;
    slot.generation++;
    slot.isBooted = false;
    ({ booted: slot.booted, ready: slot.ready } = workerMilestones(worker));
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
    // Counted without a new array: this runs for every call.
    let pooled = 0;
    for (const s of this.#slots) if (!s.extra) pooled++;
    // While the pool may still grow, a call that overlaps another starts a worker instead.
    const riding = pooled >= this.#poolSize ? this.#slots.find((s) => ridesWake(s)) : undefined;
    if (riding) {
      riding.posted++;
      return Promise.resolve(riding);
    }
    const free = this.#slots.find((s) => s.posted === 0);
    if (free) {
      free.posted = 1;
      free.wakePending = sleeps(free);
      return Promise.resolve(free);
    }
    if (!this.#closed && pooled < this.#poolSize) {
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
    const handover = this.#slots.find((s) => takesHandover(s));
    if (handover) {
      handover.posted++;
      return Promise.resolve(handover);
    }
    // Calls queue per plugin: no call sees another call's instance state.
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(slot: Slot, generation: number): void {
    if (slot.extra) {
      this.#slots.splice(this.#slots.indexOf(slot), 1);
      slot.posted = slot.lanes.length; // not restarted when it exits
      void slot.worker.terminate();
      return;
    }
    // A replaced worker's slot started its counts afresh.
    if (slot.generation === generation) slot.posted--;
    if (this.#closed || this.#waiting.length === 0) return;
    if (slot.posted === 0 || takesHandover(slot)) {
      if (slot.posted === 0) slot.wakePending = sleeps(slot);
      slot.posted++;
      this.#waiting.shift()!(slot);
    }
  }
}
