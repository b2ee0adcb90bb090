import type { PluginCallError } from "../plugin-call-error.js";

/** A running call's deadline (performance.now() time), and how to fail it when it passes. */
interface Deadline<T> {
  owner: T;
  at: number;
  expire: (error: PluginCallError) => void;
}

/**
 * One timer for every running call of a runner (a timer per call cost a third of a microsecond
 * on every call's path): armed for the earliest deadline; when it fires, it fails the calls past
 * theirs (`onExpire` stops what runs them and says why) and arms itself for the next.
 */
export class CallWatchdog<T> {
  readonly #watched = new Set<Deadline<T>>();
  #timer: NodeJS.Timeout | null = null;
  #timerAt = Infinity;

  constructor(private readonly onExpire: (owner: T) => PluginCallError) {}

  /** Runs `start` with a deadline `timeoutMs` from now: past it, the call fails with onExpire's error. */
  run<R>(owner: T, timeoutMs: number, start: () => Promise<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const deadline: Deadline<T> = { owner, at: performance.now() + timeoutMs, expire: reject };
      this.#watched.add(deadline);
      this.#arm(deadline.at);
      const settle = () => {
        this.#watched.delete(deadline);
        // Idle, the watchdog must not keep the process alive; the next call refs it again.
        if (this.#watched.size === 0) this.#timer?.unref();
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

  /** Stops the timer unless calls still run: those keep their deadlines. */
  stopIfIdle(): void {
    if (this.#timer && this.#watched.size === 0) clearTimeout(this.#timer);
  }

  #arm(at: number): void {
    if (this.#timer && this.#timerAt <= at) {
      this.#timer.ref();
      return;
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, at - performance.now()));
  }

  #fire(): void {
    this.#timer = null;
    this.#timerAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const deadline of [...this.#watched]) {
      if (deadline.at > now) {
        next = Math.min(next, deadline.at);
        continue;
      }
      this.#watched.delete(deadline);
      deadline.expire(this.onExpire(deadline.owner));
    }
    if (next < Infinity) this.#arm(next);
  }
}
