import type { Channel } from "./channel.js";

/**
 * Waking a sleeping worker (Atomics.notify) is the dearest step of a call for the host thread,
 * a system call that costs more than the rest of the hand-off together (docs/benchmarks.md,
 * "Throughput"). Under HTTP load the host parses several requests in one turn of its event
 * loop, so a call handed to a sleeping worker wakes it at the end of that turn, and the turn's
 * next short calls for that plugin go to the same worker's other lanes (ridesWake, worker-slot.ts):
 * one wake starts them all. (A call with no other in flight wakes its worker at once.)
 */
export class WorkerWakes {
  readonly #channels = new Set<Channel>();
  readonly #settled: (() => void)[] = [];
  #scheduled = false;

  /** Wakes the worker sleeping on `channel` at the end of this turn; `woken` runs then. */
  later(channel: Channel, woken: () => void): void {
    this.#channels.add(channel);
    this.#settled.push(woken);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(this.#flush);
  }

  readonly #flush = (): void => {
    this.#scheduled = false;
    // A worker that woke or had not yet slept in the meantime sees its call without a notify.
    for (const channel of this.#channels) channel.wakeWorker();
    this.#channels.clear();
    for (const woken of this.#settled.splice(0)) woken();
  };
}
