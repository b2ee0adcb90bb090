import { workerExecArgv, workerScript } from "../../runtime/worker-threads.js";
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import { HopRefusedError, HopTooLargeError, HttpRequestError, type Hop, type HopLimits, type HopSpec } from "./guarded-request.js";

/**
 * A blocking HTTP hop for callers that must answer synchronously (host functions of
 * in-process plugins). One helper thread does the request; the caller waits on an Atomics flag
 * and takes the answer with receiveMessageOnPort.
 */
interface Answer extends Partial<Hop> {
  ok: boolean;
  message?: string;
  refused?: boolean;
  tooLarge?: boolean;
}

export class SyncFetch {
  #worker: Worker | null = null;
  #port: MessagePort | null = null;
  readonly #flag = new Int32Array(new SharedArrayBuffer(4));

  /** Performs one hop; throws HopRefusedError, HopTooLargeError or Error (network, time-out). */
  fetch(spec: HopSpec, limits: HopLimits): Hop {
    const port = this.#start();
    Atomics.store(this.#flag, 0, 0);
    port.postMessage({ spec, limits });
    // The helper has its own timer; the extra second only guards against a dead helper.
    const waited = Atomics.wait(this.#flag, 0, 0, limits.timeoutMs + 1000);
    const received = receiveMessageOnPort(port);
    if (waited === "timed-out" || !received) {
      this.close();
      throw new HttpRequestError(`timed out after ${limits.timeoutMs} ms`, { fix: "make the server answer sooner, or ask for less" });
    }
    const answer = received.message as Answer;
    if (!answer.ok) {
      if (answer.refused) throw new HopRefusedError(answer.message ?? "the address is not allowed");
      if (answer.tooLarge) throw new HopTooLargeError(answer.message ?? "the response is too large");
      throw new HttpRequestError(answer.message ?? "request failed");
    }
    return { status: answer.status!, headers: answer.headers!, bytes: new Uint8Array(answer.bytes!) };
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
    this.#worker = new Worker(workerScript("fetch-worker"), { workerData: { port: port2, signal: this.#flag.buffer }, transferList: [port2], execArgv: workerExecArgv() });
    // A helper thread must never keep the process alive on its own.
    this.#worker.unref();
    this.#port = port1;
    return port1;
  }
}
