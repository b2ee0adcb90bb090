import type { Context } from "hono";
import { streamSSE } from "hono/streaming";

export type SendEvent = (event: string, data: unknown) => void;

/**
 * Server-Sent Event streams that stay open until the client leaves or the server closes.
 * Each stream first sends its backlog, then `ready`, then live events; a comment every
 * `keepAliveMs` keeps proxies from closing an idle stream.
 */
export class EventStreams {
  readonly #open = new Set<() => void>();

  constructor(private readonly keepAliveMs = 15_000) {}

  get size(): number {
    return this.#open.size;
  }

  open(c: Context, backlog: Array<{ event: string; data: unknown }>, subscribe: (send: SendEvent) => () => void): Response {
    return streamSSE(c, async (stream) => {
      let finish!: () => void;
      const done = new Promise<void>((resolve) => (finish = resolve));
      this.#open.add(finish);
      stream.onAbort(finish);
      // Writes are chained so events arrive in the order they happened.
      let chain = Promise.resolve();
      const send: SendEvent = (event, data) => {
        chain = chain.then(() => stream.writeSSE({ event, data: JSON.stringify(data) })).catch(finish);
      };
      for (const item of backlog) send(item.event, item.data);
      const unsubscribe = subscribe(send);
      send("ready", { backlog: backlog.length });
      const keepAlive = setInterval(() => {
        chain = chain.then(() => stream.write(": keep-alive\n\n").then(() => undefined)).catch(finish);
      }, this.keepAliveMs);
      keepAlive.unref();
      try {
        await done;
      } finally {
        clearInterval(keepAlive);
        unsubscribe();
        this.#open.delete(finish);
      }
    });
  }

  /** Ends every open stream (server shutdown). */
  closeAll(): void {
    for (const finish of [...this.#open]) finish();
  }
}
