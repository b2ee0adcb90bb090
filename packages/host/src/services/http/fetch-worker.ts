/**
 * The helper thread behind SyncFetch: performs one hop per message and wakes the blocked
 * caller through the shared flag.
 */
import { messageOf } from "../../errors.js";
import { workerData, type MessagePort } from "node:worker_threads";
import { HopRefusedError, HopTooLargeError, requestHop, type HopLimits, type HopSpec } from "./guarded-request.js";

const { port, signal } = workerData as { port: MessagePort; signal: SharedArrayBuffer };
const flag = new Int32Array(signal);

port.on("message", async ({ spec, limits }: { spec: HopSpec; limits: HopLimits }) => {
  let answer;
  try {
    answer = { ok: true, ...(await requestHop(spec, limits)) };
  } catch (error) {
    answer = { ok: false, refused: error instanceof HopRefusedError, tooLarge: error instanceof HopTooLargeError, message: messageOf(error) };
  }
  port.postMessage(answer);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
