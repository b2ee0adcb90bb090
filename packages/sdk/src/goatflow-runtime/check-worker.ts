/** The worker thread of the isolated GoatFlow check (check-isolated.ts). */
import { parentPort, workerData } from "node:worker_threads";
import { checkInProcess } from "./check.js";
import { HEADER_BYTES, type WorkerInput, type WorkerMessage } from "./check-isolated.js";
import type { HostCallHandler } from "./runtime.js";

const input = workerData as WorkerInput;
const post = (message: WorkerMessage) => parentPort!.postMessage(message);
const header = new Int32Array(input.shared, 0, 3);
const body = new Uint8Array(input.shared, HEADER_BYTES);

/** A host_call answered by the test's handler on the main thread; this thread waits for it. */
const remote = (name: string): HostCallHandler => (_args, call) => {
  Atomics.store(header, 0, 0);
  post({ type: "host_call", name, raw: call.raw });
  Atomics.wait(header, 0, 0);
  const data = body.slice(0, Atomics.load(header, 2));
  if (Atomics.load(header, 1) !== 0) throw new Error(new TextDecoder().decode(data));
  return data;
};

const hostCalls = Object.fromEntries(input.handlerNames.map((name) => [name, remote(name)]));
checkInProcess(input.bytes, { ...input.options, hostCalls }, {
  beforeCall: (where, handler) => post({ type: "call", where, handler }),
  afterCall: (where) => post({ type: "called", where }),
}).then(
  (report) => post({ type: "done", report }),
  (error: unknown) => post({ type: "failed", message: error instanceof Error ? error.message : String(error) }),
);
