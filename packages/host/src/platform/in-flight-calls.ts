/**
 * Counts calls running on each plugin instance, so an instance is closed only after its last
 * call returns (hot reload swaps first and retires the old instance here).
 */
export class InFlightCalls<Instance extends object> {
  readonly #counts = new Map<Instance, number>();
  readonly #idle = new Map<Instance, Array<() => void>>();

  /** Marks a call started; the returned function marks it finished (call it exactly once). */
  begin(instance: Instance): () => void {
    this.#counts.set(instance, (this.#counts.get(instance) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.#counts.get(instance) ?? 1) - 1;
      if (left > 0) {
        this.#counts.set(instance, left);
        return;
      }
      this.#counts.delete(instance);
      for (const wake of this.#idle.get(instance) ?? []) wake();
      this.#idle.delete(instance);
    };
  }

  count(instance?: Instance): number {
    if (instance) return this.#counts.get(instance) ?? 0;
    let total = 0;
    for (const n of this.#counts.values()) total += n;
    return total;
  }

  /** Resolves true when the instance has no calls left, false when `timeoutMs` passes first. */
  drained(instance: Instance, timeoutMs: number): Promise<boolean> {
    if (!this.#counts.has(instance)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
      const waiters = this.#idle.get(instance) ?? [];
      waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
      this.#idle.set(instance, waiters);
    });
  }
}
