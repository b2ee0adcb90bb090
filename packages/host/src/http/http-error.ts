import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { GoatKitError } from "../errors.js";

/**
 * An error answer in the shape of docs/envelopes.md (`{"error", "code"}`), so plugin errors
 * and host errors read the same to a client.
 */
export function jsonError(c: Context, status: number, message: string, code: string, headers: Record<string, string> = {}): Response {
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  return c.json({ error: message, code }, status as ContentfulStatusCode);
}

/**
 * The one place a GoatKitError becomes an HTTP answer: its code's status (ERROR_STATUS), its
 * message and code in the envelope.
 */
export function errorAnswer(c: Context, error: GoatKitError): Response {
  return jsonError(c, error.status, error.message, error.code);
}
