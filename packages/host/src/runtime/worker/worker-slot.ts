import type { Worker } from "node:worker_threads";
import { PluginCallError } from "../plugin-call-error.js";
import type { HostCalls } from "../../host-functions/host-calls.js";
import type { Channel } from "./channel.js";
import type { LogBuffer } from "./log-buffer.js";

/** One of a worker's lanes: its channel, its calls' host functions (per-call state) and log lines. */
export interface Lane {
  channel: Channel;
  calls: HostCalls;
  logs: LogBuffer;
}

export interface Slot {
  worker: Worker;
  /**
   * The lanes the worker serves in turn: while a call runs on one, the next ones can be handed
   * over on the others, so under load the worker goes on to them without sleeping and being woken.
   */
  lanes: Lane[];
  /** The lane the next call goes to. */
  nextLane: number;
  /** Calls handed to this worker and not over: 0 when idle, at most one per lane. */
  posted: number;
  /** Settles when the last call handed to this worker is over: true if the worker goes on to the next. */
  tail: Promise<boolean> | null;
  /** When the call this worker runs (or ran last) started (performance.now()). */
  lastStart: number;
  /** Counts the workers this slot has had: a call of an earlier one leaves the counts alone. */
  generation: number;
  /** The thread runs (Node and the worker script loaded): not the plugin's time. */
  booted: Promise<void>;
  /** `booted` has resolved. */
  isBooted?: boolean;
  /** The module is instantiated (its start function returned). */
  ready: Promise<void>;
  /** A call was handed to this worker while it slept; it is woken at the end of this turn (worker-wakes.ts). */
  wakePending: boolean;
  /** How long the worker took for the latest call it finished, by its own clock (ms; host calls included). */
  lastCallMs: number;
  /** Started for one nested plugin_call while every pooled worker was busy; ends after it. */
  extra?: boolean;
}

/**
 * When a new worker has booted (the thread runs Node and the worker script) and is ready (the
 * module instantiated): each settles on the worker's message, or fails with its error.
 */
export function workerMilestones(worker: Worker): { booted: Promise<void>; ready: Promise<void> } {
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
  return { booted: arrived("booted"), ready: arrived("ready") };
}
