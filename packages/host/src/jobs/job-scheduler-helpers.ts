/** Small helpers of the job scheduler (job-scheduler.ts): keys, times, result text, time-outs. */
import { errorResponse, type PluginResponse } from "../plugin/response.js";
import type { ScheduledJob } from "./job-registry.js";
import { MAX_RESULT_CHARS } from "./job-run.js";

const decoder = new TextDecoder();

export function keyOf(plugin: string, id: string): string {
  return `${plugin}\u0000${id}`;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function bodyText(body: string | Uint8Array): string {
  const text = typeof body === "string" ? body : decoder.decode(body);
  return text.length > MAX_RESULT_CHARS ? `${text.slice(0, MAX_RESULT_CHARS)}…` : text;
}

/** The call's response, or a time-out error once the job's `timeout_ms` passes (real time). */
export async function withTimeout(call: Promise<PluginResponse>, timeoutMs: number | undefined, job: ScheduledJob): Promise<PluginResponse> {
  if (!timeoutMs) return call;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<PluginResponse>((resolve) => {
    timer = setTimeout(() => resolve(errorResponse(`job "${job.id}" ran longer than its timeout_ms of ${timeoutMs} ms; raise jobs[].timeout_ms or make the handler faster`, "E_TIMEOUT")), timeoutMs);
  });
  try {
    return await Promise.race([call, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
