/** Reading request input; every refusal says what is wrong and what to send instead. */
import { PluginError, type Request } from "@goatkit/sdk/guest";
import { foldWord } from "./text/fold.js";

export type Body = Record<string, unknown>;

/** The body as a JSON object; 400 with an example of what is expected otherwise. */
export function jsonBody(req: Request, example: string): Body {
  const body = req.jsonObj<Body>();
  if (body === null) throw badRequest(`the body must be a JSON object, e.g. ${example}`);
  return body;
}

/** A route `:param` that must be a positive integer id. */
export function idParam(req: Request, name: string, what: string): number {
  const raw = req.param(name);
  const id = /^[0-9]{1,15}$/.test(raw) ? Number(raw) : 0;
  if (id < 1) throw badRequest(`${what} id must be a positive integer, got "${raw}"`);
  return id;
}

/** A string field: trimmed, `undefined` when absent, 400 when not a string or too long (or empty when required). */
export function stringField(body: Body, field: string, options: { max: number; required?: boolean; allowEmpty?: boolean }): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) {
    if (options.required) throw badRequest(`"${field}" is required`);
    return undefined;
  }
  if (typeof value !== "string") throw badRequest(`"${field}" must be a string, got ${typeof value}`);
  const text = value.trim();
  if (text === "" && !options.allowEmpty) throw badRequest(`"${field}" must not be empty`);
  if (text.length > options.max) throw badRequest(`"${field}" is ${text.length} characters long; the limit is ${options.max}`);
  return text;
}

/** An integer field; `undefined` when absent, `null` when explicitly null and `nullable`. */
export function integerField(body: Body, field: string, options: { nullable?: boolean; min?: number } = {}): number | null | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (value === null && options.nullable) return null;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < (options.min ?? Number.MIN_SAFE_INTEGER)) {
    throw badRequest(`"${field}" must be ${options.min === undefined ? "an integer" : `an integer of at least ${options.min}`}${options.nullable ? " or null" : ""}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A query-string integer clamped to [min, max]. */
export function queryInt(req: Request, name: string, fallback: number, min: number, max: number): number {
  return Math.min(Math.max(req.queryInt(name, fallback), min), max);
}

/** `reset-your-password` from "Reset your password!", `passwort-zurucksetzen` from "Passwort zurücksetzen"; empty when nothing usable is left. */
export function slugify(text: string): string {
  return foldWord(text)
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 100)
    .replace(/-+$/, "");
}

/** A slug as given (checked) or made from `from`. */
export function slugField(body: Body, from: string | undefined, what: string): string | undefined {
  const given = stringField(body, "slug", { max: 100 });
  if (given !== undefined) {
    if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(given)) throw badRequest(`"slug" must be lower-case letters and digits separated by "-", got "${given}"; e.g. "${slugify(given) || "reset-password"}"`);
    return given;
  }
  if (from === undefined) return undefined;
  const made = slugify(from);
  if (made === "") throw badRequest(`cannot make a slug from the ${what}'s title "${from}"; send "slug" as well, e.g. "reset-password"`);
  return made;
}

export function badRequest(message: string): PluginError {
  return new PluginError(message, 400, "BAD_REQUEST");
}

export function notFound(message: string): PluginError {
  return new PluginError(message, 404, "NOT_FOUND");
}

export function conflict(message: string): PluginError {
  return new PluginError(message, 409, "CONFLICT");
}
