import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * An error answer in the shape of docs/envelopes.md (`{"error", "code"}`), so plugin errors
 * and host errors read the same to a client.
 */
export function jsonError(c: Context, status: number, message: string, code: string, headers: Record<string, string> = {}): Response {
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  return c.json({ error: message, code }, status as ContentfulStatusCode);
}

/** An error with an HTTP status and a code (PluginManagerError, JobError, PluginCallError). */
export interface StatusError {
  message: string;
  code: string;
  status: number;
}

export function isStatusError(error: unknown): error is StatusError {
  return error instanceof Error && typeof (error as Partial<StatusError>).code === "string" && typeof (error as Partial<StatusError>).status === "number";
}
