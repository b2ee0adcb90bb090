import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import type { HttpRequestSpec, HttpResponseSpec } from "../types.js";

/**
 * A blocking fetch for callers that must answer synchronously (host functions of in-process
 * plugins). One helper thread runs fetch; the caller waits on an Atomics flag and takes the
 * answer with receiveMessageOnPort. Each call is one hop: redirects are returned, not followed,
 * so the caller can check every hop against the plugin's allowed hosts.
 */
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { port, signal } = workerData;
const flag = new Int32Array(signal);
port.on("message", async ({ spec, timeoutMs, maxBytes }) => {
  let answer;
  try {
    const response = await fetch(spec.url, {
      method: spec.method,
      headers: spec.headers,
      body: spec.body === undefined || spec.method === "GET" || spec.method === "HEAD" ? undefined : spec.body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    const chunks = [];
    let size = 0;
    if (response.body) {
      for await (const chunk of response.body) {
        size += chunk.byteLength;
        if (size > maxBytes) throw Object.assign(new Error("response is larger than " + maxBytes + " bytes"), { tooLarge: true });
        chunks.push(chunk);
      }
    }
    const headers = {};
    response.headers.forEach((value, name) => { headers[name] = value; });
    answer = { ok: true, status: response.status, headers, body: Buffer.concat(chunks) };
  } catch (error) {
    const cause = error && error.cause ? ": " + (error.cause.code || error.cause.message) : "";
    answer = { ok: false, tooLarge: Boolean(error && error.tooLarge), message: (error && error.name === "TimeoutError" ? "timed out after " + timeoutMs + " ms" : String(error && error.message)) + cause };
  }
  port.postMessage(answer);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;

interface Answer {
  ok: boolean;
  status?: number;
  headers?: Record<string, string>;
  body?: Uint8Array;
  message?: string;
  tooLarge?: boolean;
}

export class SyncFetchError extends Error {
  constructor(
    message: string,
    readonly tooLarge = false,
  ) {
    super(message);
  }
}

export class SyncFetch {
  #worker: Worker | null = null;
  #port: MessagePort | null = null;
  readonly #flag = new Int32Array(new SharedArrayBuffer(4));

  /** Performs one request hop; throws SyncFetchError on network errors, time-outs and oversize bodies. */
  fetch(spec: HttpRequestSpec, timeoutMs: number, maxBytes: number): HttpResponseSpec & { bytes: Uint8Array } {
    const port = this.#start();
    Atomics.store(this.#flag, 0, 0);
    port.postMessage({ spec, timeoutMs, maxBytes });
    // The worker has its own timer; the extra second only guards against a dead worker.
    const waited = Atomics.wait(this.#flag, 0, 0, timeoutMs + 1000);
    const received = receiveMessageOnPort(port);
    if (waited === "timed-out" || !received) {
      this.close();
      throw new SyncFetchError(`timed out after ${timeoutMs} ms`);
    }
    const answer = received.message as Answer;
    if (!answer.ok) throw new SyncFetchError(answer.message ?? "request failed", answer.tooLarge);
    const bytes = new Uint8Array(answer.body!);
    return { status: answer.status!, headers: answer.headers!, bytes };
  }

  close(): void {
    void this.#worker?.terminate();
    this.#port?.close();
    this.#worker = null;
    this.#port = null;
  }

  #start(): MessagePort {
    if (this.#port) return this.#port;
    const { port1, port2 } = new MessageChannel();
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { port: port2, signal: this.#flag.buffer },
      transferList: [port2],
    });
    // A helper thread must never keep the process alive on its own.
    this.#worker.unref();
    this.#port = port1;
    return port1;
  }
}
