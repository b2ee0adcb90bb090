import type { Worker } from "node:worker_threads";
import { PluginCallError } from "../plugin-call-error.js";
import type { HostCalls } from "../../host-functions/host-calls.js";
import type { Channel } from "./channel.js";
import type { LogBuffer } from "./log-buffer.js";

/**
 * Lanes per worker: calls handed to a worker before it is done with its current one. One runs;
 * the others take calls handed over to the busy worker (takesHandover) or calls of one turn to
 * a worker about to be woken (ridesWake).
 */
export const WORKER_LANES = 4;

/**
 * A call is handed to a busy worker, to run after its calls, only if that worker's current call
 * began this recently: a call stuck behind a slow one would wait for it (or for its time-out)
 * instead of the next free worker.
 */
const HANDOVER_WINDOW_MS = 5;

/** A worker takes calls of its wake's turn (ridesWake) while its latest call took no longer than this (ms). */
const RIDE_MAX_CALL_MS = 1;

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

/**
 * Whether a call goes to a sleeping worker that is woken at the end of this turn for another
 * (worker-wakes.ts), to run after it, instead of waking a worker of its own: one wake then
 * starts several calls. The runner asks only once the pool has all its workers; only while this
 * one's calls are short, so that calls which take time still run side by side.
 */
export function ridesWake(slot: Slot): boolean {
  return slot.wakePending && slot.posted < slot.lanes.length && slot.lastCallMs <= RIDE_MAX_CALL_MS && !slot.extra;
}

/** Whether an idle worker sleeps (rather than spins) waiting for its next call. */
export function sleeps(slot: Slot): boolean {
  return slot.isBooted === true && slot.lanes[slot.nextLane]!.channel.workerAsleep;
}

/**
 * Whether a pooled worker may be handed a call to run after those it has: it has a free lane,
 * and the call it runs began within the window. A call that runs long stops taking calls once
 * the window is past, so at most the calls of that window wait behind it.
 */
export function takesHandover(slot: Slot): boolean {
  return slot.posted >= 1 && slot.posted < slot.lanes.length && !slot.extra && slot.isBooted === true && performance.now() - slot.lastStart <= HANDOVER_WINDOW_MS;
}
