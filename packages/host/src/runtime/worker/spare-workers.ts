/**
 * Spare QuickJS plugin workers: booted, with the engine loaded and one engine instance warm,
 * but serving no plugin yet. Every QuickJS plugin runs on the same engine, so a host that runs
 * them keeps one spare: a plugin that loads (or a worker replaced after a time-out) takes it and
 * skips the thread's start-up (about 30 ms), the engine's loading and its first instantiation.
 * A spare has never run plugin code; once taken it serves that plugin alone, as any worker.
 */
import { Worker } from "node:worker_threads";
import type { Engine } from "../quickjs/engine.js";
import { workerExecArgv, workerScript } from "../worker-threads.js";

/** What every plugin worker runs with (a deep recursion traps inside the guest, not the thread). */
export const PLUGIN_WORKER_RESOURCES = { stackSizeMb: 4 } as const;

/** The host's default limits.memory_mb: the spare's warm engine instance fits plugins that keep it. */
const SPARE_MEMORY_MB = 256;

/** Sent to a spare worker in place of its workerData (see plugin-worker.ts). */
export interface SpareWorkerData {
  spare: { kind: "quickjs"; engine: Engine; script: string; memoryMb: number };
}

class SpareWorkers {
  #spare: Worker | null = null;
  #users = 0;
  #engine: Engine | null = null;
  readonly #ignore = () => {};

  /** The spare's thread, when there is one (for metrics and tests). */
  get threadId(): number | null {
    return this.#spare?.threadId ?? null;
  }

  /** A QuickJS worker runner started: keep a spare from now on. */
  retain(engine: Engine): void {
    this.#users++;
    this.#engine = engine;
    this.#refill();
  }

  /** A QuickJS worker runner closed: with none left, the spare goes too. */
  release(): void {
    if (--this.#users > 0) return;
    this.#users = 0;
    const spare = this.#spare;
    this.#spare = null;
    void spare?.terminate();
  }

  /** The spare, if there is one, for a plugin that needs a worker; a new one starts in its place. */
  take(): Worker | null {
    const spare = this.#spare;
    if (spare === null) return null;
    spare.off("error", this.#ignore);
    this.#spare = null;
    setImmediate(() => this.#refill());
    return spare;
  }

  #refill(): void {
    if (this.#users === 0 || this.#spare !== null || this.#engine === null) return;
    const workerData: SpareWorkerData = { spare: { kind: "quickjs", engine: this.#engine, script: "", memoryMb: SPARE_MEMORY_MB } };
    const worker = new Worker(workerScript("plugin-worker"), { workerData, resourceLimits: PLUGIN_WORKER_RESOURCES, execArgv: workerExecArgv() });
    // A spare that fails or exits before it is taken is simply not there; the next take starts one.
    worker.on("error", this.#ignore);
    worker.once("exit", () => {
      if (this.#spare === worker) this.#spare = null;
    });
    worker.unref();
    this.#spare = worker;
  }
}

/** The process's spares: workers are per process, and so is the compiled engine they share. */
export const spareWorkers = new SpareWorkers();
