/**
 * The check in a worker thread, so that a handler that never returns (GoatFlow never stops
 * one) is reported instead of hanging the caller. The worker runs the module; `host_call`
 * handlers run here, answered synchronously through shared memory while the worker waits.
 */
import { existsSync } from "node:fs";
import { Worker } from "node:worker_threads";
import type { GoatflowCheckOptions, GoatflowCheckReport, GoatflowProblem } from "./check.js";

/** Room for one host_call answer between the threads. */
export const ANSWER_BYTES = 4 * 1024 * 1024;
/** Layout of the shared buffer: [flag, status, length] as Int32, then the bytes. */
export const HEADER_BYTES = 12;

export interface WorkerInput {
  bytes: Uint8Array;
  options: Omit<GoatflowCheckOptions, "hostCalls" | "callTimeoutMs">;
  handlerNames: string[];
  shared: SharedArrayBuffer;
}

export type WorkerMessage =
  | { type: "call"; where: string; handler: string }
  | { type: "called"; where: string }
  | { type: "host_call"; name: string; raw: string }
  | { type: "done"; report: GoatflowCheckReport }
  | { type: "failed"; message: string };

function workerScript(): URL {
  for (const candidate of ["./check-worker.js", "./goatflow-runtime/check-worker.js", "../../dist/goatflow-runtime/check-worker.js"]) {
    const url = new URL(candidate, import.meta.url);
    if (existsSync(url)) return url;
  }
  throw new Error("the GoatFlow check's worker script is missing; build @goatkit/sdk first (pnpm build)");
}

const encoder = new TextEncoder();

export async function checkIsolated(bytes: Uint8Array, options: GoatflowCheckOptions): Promise<GoatflowCheckReport> {
  const timeoutMs = options.callTimeoutMs!;
  const handlers = options.hostCalls ?? {};
  const skip = [...(options.skip ?? [])];
  const stuck: GoatflowProblem[] = [];
  // A handler that never returns is skipped in a fresh worker, until every call returns.
  for (;;) {
    const result = await runWorker(bytes, { ...options, skip }, handlers, timeoutMs);
    if ("report" in result) {
      const stuckHandlers = new Set(stuck.map((p) => p.where));
      const report = result.report;
      report.problems = [...report.problems.filter((p) => !(stuckHandlers.has(p.where) && p.message.startsWith("not called"))), ...stuck];
      report.ok = !report.problems.some((p) => p.severity === "error");
      return report;
    }
    stuck.push({
      severity: "error",
      where: result.where,
      message: `${result.handler} did not return within ${timeoutMs} ms and was stopped by the check; GoatFlow does not stop a call, so there it would hold the plugin for good`,
    });
    skip.push(result.handler);
  }
}

function runWorker(
  bytes: Uint8Array,
  options: GoatflowCheckOptions,
  handlers: NonNullable<GoatflowCheckOptions["hostCalls"]>,
  timeoutMs: number,
): Promise<{ report: GoatflowCheckReport } | { where: string; handler: string }> {
  const shared = new SharedArrayBuffer(HEADER_BYTES + ANSWER_BYTES);
  const header = new Int32Array(shared, 0, 3);
  const body = new Uint8Array(shared, HEADER_BYTES);
  const { hostCalls: _h, callTimeoutMs: _t, ...plain } = options;
  const input: WorkerInput = { bytes, options: plain, handlerNames: Object.keys(handlers), shared };
  // A worker refuses --input-type (only for code given on the command line, as `node -e` uses).
  const execArgv = process.execArgv.filter((arg) => !arg.startsWith("--input-type"));
  const worker = new Worker(workerScript(), { workerData: input, execArgv });
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (fn: () => void) => {
      clearTimeout(timer);
      worker.removeAllListeners();
      void worker.terminate();
      fn();
    };
    const answer = (status: number, data: Uint8Array) => {
      const fits = data.length <= ANSWER_BYTES;
      const bytesOut = fits ? data : encoder.encode(`the answer is over ${ANSWER_BYTES} bytes`);
      body.set(bytesOut);
      Atomics.store(header, 1, fits ? status : 1);
      Atomics.store(header, 2, bytesOut.length);
      Atomics.store(header, 0, 1);
      Atomics.notify(header, 0);
    };
    worker.on("message", (message: WorkerMessage) => {
      switch (message.type) {
        case "call":
          timer = setTimeout(() => finish(() => resolve({ where: message.where, handler: message.handler })), timeoutMs);
          break;
        case "called":
          clearTimeout(timer);
          break;
        case "host_call": {
          const handler = handlers[message.name]!;
          let args: unknown;
          try {
            args = JSON.parse(message.raw);
          } catch (error) {
            answer(1, encoder.encode(`invalid args: ${(error as Error).message}`));
            break;
          }
          try {
            const value = handler(args, { name: message.name, raw: message.raw });
            if (value === undefined) answer(1, encoder.encode("the handler gave no answer"));
            else answer(0, value instanceof Uint8Array ? value : encoder.encode(JSON.stringify(value)));
          } catch (error) {
            answer(1, encoder.encode((error as Error).message));
          }
          break;
        }
        case "done":
          finish(() => resolve({ report: message.report }));
          break;
        case "failed":
          finish(() => reject(new Error(message.message)));
          break;
      }
    });
    worker.on("error", (error) => finish(() => reject(error)));
    worker.on("exit", (code) => finish(() => reject(new Error(`the check's worker exited with code ${code}`))));
  });
}
