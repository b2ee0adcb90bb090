import type { PluginRequest } from "./request.js";
import { GoatKitError, statusOf as statusOfCode, type GoatKitErrorOptions } from "../errors.js";

/** What a call produced, in HTTP terms, whatever the binding. */
export interface PluginResponse {
  status: number;
  headers: Record<string, string>;
  /** The body as text (bodies that are not UTF-8 come from `body_base64` and stay bytes). */
  body: string | Uint8Array;
  /** Set when the plugin answered with an error envelope or the call failed. */
  error?: { message: string; code: string };
  /** Set when the plugin answered with a template envelope: the HTTP layer renders it (docs/templates.md). */
  template?: { name: string; context: Record<string, unknown> };
}

const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "te", "trailer", "content-length"]);
/**
 * Cookies on the host's origin are the host's: its session cookie signs the admin in, and a
 * plugin that could set or clear it (any name, any Path) could sign users out or plant a session.
 * Path does not isolate cookies from other pages of the origin, so no plugin cookie is safe.
 */
export const HOST_OWNED_HEADERS: ReadonlySet<string> = new Set(["set-cookie", "set-cookie2"]);
const HEADER_SPELLING: Readonly<Record<string, string>> = { "set-cookie": "Set-Cookie", "set-cookie2": "Set-Cookie2" };
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Error thrown for a result that is not valid UTF-8. */
export class InvalidResultError extends GoatKitError {
  constructor(message: string, options?: GoatKitErrorOptions) {
    super("E_INVALID_UTF8", message, options);
    this.name = "InvalidResultError";
  }
}

/**
 * Reads a handler's result bytes by the rules of docs/envelopes.md ("Results"). Headers the host
 * owns (`Set-Cookie`) are dropped, and `warn` is told why.
 */
export function interpretResult(bytes: Uint8Array | null, kind: PluginRequest["kind"], warn: (message: string) => void = () => undefined): PluginResponse {
  if (bytes === null || bytes.byteLength === 0) return { status: 204, headers: {}, body: "" };
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new InvalidResultError("the handler's result is not valid UTF-8; return UTF-8 text or use a gk_response with body_base64");
  }
  const first = /\S/.exec(text)?.[0];
  if (first === "{" && mayBeEnvelope(text)) {
    const parsed = tryParse(text);
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
      const obj = parsed as Record<string, unknown>;
      if (obj.gk_response !== null && typeof obj.gk_response === "object") return responseEnvelope(obj.gk_response as Record<string, unknown>, kind, warn);
      if (obj.gk_template !== undefined) return templateEnvelope(obj.gk_template, text);
      if (typeof obj.error === "string") return errorResponse(obj.error, typeof obj.code === "string" ? obj.code : "PLUGIN_ERROR", statusOf(obj.status, 500, 400));
    }
  }
  const json = first === "{" || first === "[";
  const type = kind === "widget" ? "text/html; charset=utf-8" : json ? "application/json" : "text/plain; charset=utf-8";
  return { status: 200, headers: { "content-type": type }, body: text };
}

/**
 * Whether a JSON object's text can be an envelope: it names one of the envelope keys, or spells
 * a key with an escape. Any other object is answered as it is, without parsing it.
 */
function mayBeEnvelope(text: string): boolean {
  return text.includes('"gk_response"') || text.includes('"gk_template"') || text.includes('"error"') || text.includes("\\u");
}

/** A GoatKitError as a plugin response: its message, code and status (ERROR_STATUS). */
export function errorResponseOf(error: GoatKitError): PluginResponse {
  return errorResponse(error.message, error.code, error.status);
}

/** An error answer in the envelope of docs/envelopes.md; the status defaults to the code's (ERROR_STATUS). */
export function errorResponse(message: string, code: string, status = statusOfCode(code)): PluginResponse {
  return { status, headers: { "content-type": "application/json" }, body: JSON.stringify({ error: message, code }), error: { message, code } };
}

function responseEnvelope(envelope: Record<string, unknown>, kind: PluginRequest["kind"], warn: (message: string) => void): PluginResponse {
  const headers: Record<string, string> = {};
  const dropped = new Set<string>();
  if (envelope.headers !== null && typeof envelope.headers === "object") {
    for (const [name, value] of Object.entries(envelope.headers)) {
      const lower = name.toLowerCase();
      if (HOST_OWNED_HEADERS.has(lower)) dropped.add(HEADER_SPELLING[lower] ?? lower);
      else if (!HOP_BY_HOP.has(lower) && typeof value === "string") headers[lower] = value;
    }
  }
  if (dropped.size > 0) {
    const names = [...dropped].sort();
    warn(`the response's ${names.join(", ")} header${names.length === 1 ? " was" : "s were"} dropped: plugins cannot set cookies, which belong to the host (its session); keep state in the plugin's storage, or send it in the body`);
  }
  const status = statusOf(envelope.status, 200, 100);
  let body: string | Uint8Array = "";
  if (typeof envelope.body_base64 === "string") body = new Uint8Array(Buffer.from(envelope.body_base64, "base64"));
  else if (typeof envelope.body === "string") body = envelope.body;
  else if (envelope.body !== undefined && envelope.body !== null) body = JSON.stringify(envelope.body);
  headers["content-type"] ??= kind === "widget" ? "text/html; charset=utf-8" : typeof envelope.body === "string" ? "text/plain; charset=utf-8" : "application/json";
  return { status, headers, body };
}

function templateEnvelope(envelope: unknown, text: string): PluginResponse {
  const fields = envelope !== null && typeof envelope === "object" && !Array.isArray(envelope) ? (envelope as Record<string, unknown>) : {};
  if (typeof fields.name !== "string" || fields.name === "") {
    return errorResponse(`the handler answered with gk_template but without a template name; return {"gk_template": {"name": "widget.html", "context": {...}}}`, "E_BAD_TEMPLATE_RESULT");
  }
  const context = fields.context ?? {};
  if (context === null || typeof context !== "object" || Array.isArray(context)) {
    return errorResponse(`gk_template "${fields.name}" has a context that is not an object; pass the template's values as {"name": value, ...}`, "E_BAD_TEMPLATE_RESULT");
  }
  // The body keeps the envelope for callers that do not render (the CLI); HTTP renders it.
  return { status: statusOf(fields.status, 200, 200), headers: { "content-type": "text/html; charset=utf-8" }, body: text, template: { name: fields.name, context: context as Record<string, unknown> } };
}

function statusOf(value: unknown, fallback: number, min: number): number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= 599 ? value : fallback;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
