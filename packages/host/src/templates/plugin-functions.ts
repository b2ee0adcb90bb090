import type { FunctionDecl } from "@goatkit/sdk";
import type { PluginResponse } from "../plugin/response.js";
import { isFailedCall } from "./failed-call.js";
import { nunjucks } from "./nunjucks-internals.js";
import { TemplateError, where } from "./template-error.js";

/** A call's result as the template sees it, or why the plugin's answer cannot be used. */
export type CallOutcome = { ok: true; value: unknown } | { ok: false; code: string; message: string };

const TYPE_HINTS: Record<string, string> = {
  string: 'a string (quote it, or pipe a value through | string)',
  integer: "a whole number (pipe text through | int)",
  number: "a number (pipe text through | float)",
  boolean: "true or false",
  json: "any value that JSON can hold",
};

/**
 * Matches a call's arguments (positional, then `name=value`) to the function's declared `args`
 * and checks each against its type; the result is the JSON object sent as the call's body.
 */
export function bindArguments(plugin: string, fn: FunctionDecl, given: unknown[], template: string, line: number): Record<string, unknown> {
  const declared = fn.args ?? [];
  const call = `${plugin}.${fn.name}(${declared.map((a) => a.name).join(", ")})`;
  const fail = (why: string) => new TemplateError("E_TEMPLATE", `${where(template, line)}${call}: ${why}`);
  const last = given.at(-1) as Record<string, unknown> | undefined;
  const keywords = last !== null && typeof last === "object" && (last as { __keywords?: boolean }).__keywords === true ? (given.pop() as Record<string, unknown>) : {};
  if (given.length > declared.length) throw fail(`takes ${declared.length} argument${declared.length === 1 ? "" : "s"}, got ${given.length}`);
  const bound: Record<string, unknown> = {};
  declared.forEach((arg, i) => {
    if (i < given.length) bound[arg.name] = given[i];
  });
  for (const [name, value] of Object.entries(keywords)) {
    if (name === "__keywords") continue;
    if (!declared.some((a) => a.name === name)) throw fail(`has no argument named "${name}"`);
    if (Object.hasOwn(bound, name)) throw fail(`argument "${name}" is given twice, by position and by name`);
    bound[name] = value;
  }
  for (const arg of declared) {
    if (!Object.hasOwn(bound, arg.name)) throw fail(`argument "${arg.name}" is missing`);
    const value = bound[arg.name];
    if (isFailedCall(value)) continue;
    const checked = checkType(value, arg.type);
    if (checked === undefined) throw fail(`argument "${arg.name}" must be ${TYPE_HINTS[arg.type] ?? arg.type}, got ${describe(value)}`);
    bound[arg.name] = checked;
  }
  return bound;
}

/** The value to send for a declared type, or undefined when it does not fit. */
function checkType(value: unknown, type: string): unknown {
  if (value instanceof nunjucks.runtime.SafeString) value = String(value);
  switch (type) {
    case "string":
      return typeof value === "string" ? value : undefined;
    case "integer":
      return typeof value === "number" && Number.isSafeInteger(value) ? value : undefined;
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? value : undefined;
    case "boolean":
      return typeof value === "boolean" ? value : undefined;
    default:
      return isJson(value) ? value : undefined;
  }
}

function isJson(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((v) => isJson(v, depth + 1));
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) return Object.values(value as object).every((v) => isJson(v, depth + 1));
  return false;
}

function describe(value: unknown): string {
  if (value === undefined) return "undefined (a name the template does not define?)";
  if (value === null) return "none";
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === "number" || typeof value === "boolean") return `${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return "a list";
  return typeof value === "function" ? "a function" : "an object";
}

const decoder = new TextDecoder();

/**
 * Reads a function call's response by the declared `returns`: `json` (the default) and the
 * scalar types are parsed and checked, `string` is text (escaped when printed), `html` is text
 * marked safe. A 204 (the handler returned nothing) is `none`, or `""` for text.
 */
export function readResult(fn: FunctionDecl, response: PluginResponse): CallOutcome {
  if (response.error) return { ok: false, code: response.error.code, message: response.error.message };
  const text = typeof response.body === "string" ? response.body : decoder.decode(response.body);
  const returns = fn.returns ?? "json";
  if (returns === "string") return { ok: true, value: text };
  if (returns === "html") return { ok: true, value: new nunjucks.runtime.SafeString(text) };
  if (response.status === 204 || text === "") return { ok: true, value: null };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, code: "E_BAD_RESULT", message: `returned ${JSON.stringify(text.slice(0, 60))}, which is not JSON, though it declares returns: "${returns}"; return JSON, or declare returns: "string" or "html"` };
  }
  const fits = returns === "json" || checkType(value, returns) !== undefined;
  if (!fits) return { ok: false, code: "E_BAD_RESULT", message: `returned ${describe(value)}, though it declares returns: "${returns}"` };
  return { ok: true, value };
}
