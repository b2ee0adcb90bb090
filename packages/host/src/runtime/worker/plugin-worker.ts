/**
 * A plugin worker: one instance of a core-ABI module, serving calls that arrive over the
 * channel, one at a time. It blocks between calls; the host ends it with terminate() (time-out,
 * shutdown), which also stops a guest that never returns.
 */
import { parentPort, workerData } from "node:worker_threads";
import { PluginCallError } from "../plugin-call-error.js";
import { CoreAbiInstance } from "../core-abi-instance.js";
import { Channel, State, type CallHeader, type DoneHeader } from "./channel.js";
import { RemoteHostCalls } from "./remote-host-calls.js";

export interface PluginWorkerData {
  module: WebAssembly.Module;
  buffer: SharedArrayBuffer;
  maxResultBytes: number;
  maxLogsPerCall: number;
  /** The host clock at start and the offset to keep, so a test clock reaches the guest. */
  clockOffsetMs: number;
}

const data = workerData as PluginWorkerData;
const channel = new Channel(data.buffer);
const calls = new RemoteHostCalls(channel, data.maxLogsPerCall);
const options = { maxResultBytes: data.maxResultBytes, now: () => Date.now() + data.clockOffsetMs };
let instance: CoreAbiInstance | null = null;

function serve(header: CallHeader, request: Uint8Array | null): void {
  try {
    instance ??= CoreAbiInstance.instantiate(data.module, calls, options);
    const current = instance;
    try {
      if (header.op === "abi") return done({ ok: true, kind: "number", value: current.abiVersion() });
      calls.beginCall();
      const result = header.op === "register" ? current.register() : current.call(header.handler, request ?? new Uint8Array());
      done(result === null ? { ok: true, kind: "null" } : { ok: true, kind: "bytes" }, result);
    } finally {
      // A trap can leave the guest half-updated: the next call gets a fresh instance.
      if (current.broken) instance = null;
    }
  } catch (error) {
    const code = error instanceof PluginCallError ? error.code : "E_TRAP";
    done({ ok: false, code, message: error instanceof Error ? error.message : String(error) });
  }
}

function done(header: DoneHeader, raw: Uint8Array | null = null): void {
  channel.write(header, raw);
  channel.signal(State.Done);
}

// Booted: from here on, start-up time is the module's own (its start function), which the
// call's time-out covers.
parentPort!.postMessage("booted");
// Instantiate before saying ready, so the first call pays no start-up; a failure here is
// reported by the first call, which tries again.
try {
  instance = CoreAbiInstance.instantiate(data.module, calls, options);
} catch {
  instance = null;
}
parentPort!.postMessage("ready");
for (;;) {
  channel.waitFor(State.Call);
  const { header, raw } = channel.read<CallHeader>();
  serve(header, raw);
}
