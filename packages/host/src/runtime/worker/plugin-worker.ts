/**
 * A plugin worker: one instance of a plugin (any binding), serving calls that
 * arrive over the channel, one at a time. It blocks between calls; the host ends it with
 * terminate() (time-out, shutdown), which also stops a guest that never returns.
 */
import { messageOf } from "../../errors.js";
import { parentPort, workerData } from "node:worker_threads";
import { PluginCallError } from "../plugin-call-error.js";
import { Channel, State, type CallHeader, type DoneHeader } from "./channel.js";
import { RemoteHostCalls } from "./remote-host-calls.js";
import { CacheMirrorReader } from "../../services/cache-mirror.js";
import { LogBuffer } from "./log-buffer.js";
import type { SpareWorkerData } from "./spare-workers.js";
import { guestFactory, GuestHolder, prepareRuntime, type GuestInstance, type GuestSource } from "../guest.js";

export interface PluginWorkerData {
  source: GuestSource;
  /** The lanes the host hands calls over on, in turn (worker-runner.ts): channel and log lines. */
  lanes: { channel: SharedArrayBuffer; logs: SharedArrayBuffer }[];
  maxResultBytes: number;
  limits: { maxLogsPerCall: number; maxHostCallsPerCall: number };
  /** The plugin's cache mirror, when it may read its cache in the worker (cache-mirror.ts). */
  cacheReads: SharedArrayBuffer | null;
}

// The binding's runtime is the host's, not the plugin's: loaded before the plugin's time starts.
// A failure here is the first call's to report. A spare worker does this before it knows its
// plugin, then waits for the host to send what it would otherwise have found in workerData.
const prepare = (source: GuestSource) =>
  prepareRuntime(source).then(
    () => null,
    (error: unknown) => error,
  );
const initial = workerData as PluginWorkerData | SpareWorkerData;
let prepared: unknown;
let data: PluginWorkerData;
if ("spare" in initial) {
  prepared = await prepare(initial.spare);
  data = await new Promise<PluginWorkerData>((resolve) => parentPort!.once("message", resolve));
} else {
  data = initial;
  prepared = await prepare(data.source);
}
const lanes = data.lanes.map((lane) => ({ channel: new Channel(lane.channel), logs: new LogBuffer(lane.logs) }));
/** The lane of the call being served: its host calls, clock and outcome use it. */
let channel = lanes[0]!.channel;
const calls = new RemoteHostCalls(channel, data.limits, data.cacheReads ? new CacheMirrorReader(data.cacheReads) : null);
// The host's clock as the channel last carried it (set before every call and reply); before
// the first call (start functions), this thread's own clock.
const options = { maxResultBytes: data.maxResultBytes, now: () => channel.clock || Date.now(), isolation: "worker" as const };

// Booted: from here on, start-up time is the plugin's own (its start function, a component's
// initialisation), which the call's time-out covers.
parentPort!.postMessage("booted");
const newGuest = await (prepared === null ? guestFactory(data.source, calls, options) : Promise.reject(prepared)).catch((error: unknown) => {
  const failure = error instanceof Error ? error : new Error(String(error));
  return async (): Promise<GuestInstance> => {
    throw failure;
  };
});
const guest = new GuestHolder(newGuest);
// Instantiate before saying ready, so the first call pays no start-up; a failure here is
// reported by the first call, which tries again.
await guest.use(() => {}).catch(() => {});
parentPort!.postMessage("ready");

async function serve(header: CallHeader, request: Uint8Array | null): Promise<void> {
  try {
    await guest.use(async (current) => {
      if (header.op === "abi") return done({ ok: true, kind: "number", value: current.abiVersion() });
      if (header.op === "handlers") return done({ ok: true, kind: "bytes" }, new TextEncoder().encode(JSON.stringify(current.handlers())));
      calls.beginCall();
      const result = await (header.op === "register" ? current.register() : current.call(header.handler, request ?? new Uint8Array()));
      done(result === null ? { ok: true, kind: "null" } : { ok: true, kind: "bytes" }, result);
    });
  } catch (error) {
    const code = error instanceof PluginCallError ? error.code : "E_TRAP";
    const wasmFrames = error instanceof PluginCallError && error.wasmFrames.length > 0 ? { wasmFrames: error.wasmFrames } : {};
    done({ ok: false, code, message: messageOf(error), ...wasmFrames });
  }
}

/** When the call being served was read (performance.now()). */
let callRead = 0;

function done(header: DoneHeader, raw: Uint8Array | null = null): void {
  channel.write(header, raw);
  channel.callMs = performance.now() - callRead;
  channel.signal(State.Done);
}

// Calls come on the lanes in turn: the next may already be waiting when one is done.
for (let lane = 0; ; lane = (lane + 1) % lanes.length) {
  channel = lanes[lane]!.channel;
  calls.useLane(channel, lanes[lane]!.logs);
  channel.waitFor(State.Call);
  callRead = performance.now();
  const { header, raw } = channel.read<CallHeader>();
  await serve(header, raw);
}
