import type { Worker } from "node:worker_threads";
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
   * Two lanes the worker serves in turn: while a call runs on one, the next can be handed over
   * on the other, so under load the worker goes on to it without sleeping and being woken.
   */
  lanes: [Lane, Lane];
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
