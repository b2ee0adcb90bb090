/**
 * The GoatFlow binding (docs/goatflow.md, "TypeScript plugins"): the plugin's script runs inside
 * its own module, QuickJS behind GoatFlow's ABI (packages/sdk/goatflow-engine). The engine gives
 * the script `__gk_host_call(name, json)` (the answer's text, or null for GoatFlow's failure `0`)
 * and `__gk_log(level, text)`, and calls `__goatkitPlugin.register()` for `gk_register` and
 * `__goatkitPlugin.call(handler, args)` for `gk_call`.
 *
 * GoatFlow passes a route a flat object (params, query and JSON body keys, `_method`, `_path`,
 * `_user_*`), a widget `{}` and a job nothing; the build tells this binding which handler is
 * which and the names of each route's `:params`, so that handlers get the same `Request` as on
 * every binding. Results are GoatFlow's: a widget answers `{"html"}`, a route's HTML page
 * `{"html", "raw": true}`, JSON as it is.
 */
import { callHandler } from "../dispatch.js";
import { hostError } from "../errors.js";
import { useHostBinding, type HostBinding } from "../host-binding.js";
import { isPluginDefinition, type PluginDefinition } from "../plugin.js";
import { base64Decode, base64Encode } from "./goatflow-globals.js";

/** What the build knows of each handler (from the manifest). */
export interface GoatflowHandler {
  kind: "route" | "widget" | "job" | "function" | "hook";
  /** A route's `:param` names, in path order. */
  params?: string[];
}

/** Written into the entry at build time. */
export interface GoatflowMeta {
  /** GoatFlow's GKRegistration, the text `gk_register` answers. */
  registration: Record<string, unknown>;
  handlers: Record<string, GoatflowHandler>;
  /** The manifest's configuration defaults; `config_get` overrides each when the host has it. */
  config: Record<string, unknown>;
}

const LEVELS: Record<string, number> = { debug: 0, info: 1, warn: 2, error: 3 };

interface Engine {
  __gk_host_call(name: string, json: string): string | null;
  __gk_log(level: number, text: string): void;
}

function engine(): Engine {
  const scope = globalThis as unknown as Partial<Engine>;
  if (typeof scope.__gk_host_call !== "function" || typeof scope.__gk_log !== "function") {
    throw new Error("this plugin runs inside its GoatFlow module (gk plugin build --target goatflow); the engine's host functions are missing");
  }
  return scope as Engine;
}

/** One `host_call`; GoatFlow answers 0 for every failure and gives no reason. */
function hostCall(name: string, request: Record<string, unknown>): string {
  const answer = engine().__gk_host_call(name, JSON.stringify(request));
  if (answer === null) {
    throw hostError("E_SERVICE", `host_call ${name} failed; GoatFlow gives no reason (refused permission, bad arguments or a service error): the host's log has it`);
  }
  return answer;
}

function unsupported(name: string, instead: string): never {
  throw hostError("E_SERVICE", `${name} is not available on GoatFlow's plugin ABI; ${instead}`);
}

export function goatflowHost(): HostBinding {
  return {
    dbQuery: (sql, argsJson) => hostCall("db_query", { query: sql, args: JSON.parse(argsJson || "[]") }),
    dbExec: (sql, argsJson) => {
      const { affected } = JSON.parse(hostCall("db_exec", { query: sql, args: JSON.parse(argsJson || "[]") })) as { affected?: number };
      // GoatFlow's db_exec reports no inserted id.
      return JSON.stringify({ rows_affected: affected ?? 0, last_insert_id: null });
    },
    cacheGet: (key) => {
      const { value, found } = JSON.parse(hostCall("cache_get", { key })) as { value?: string | null; found?: boolean };
      return found === false || value === null || value === undefined ? null : base64Decode(value);
    },
    cacheSet: (key, value, ttl) => void hostCall("cache_set", { key, value: base64Encode(value), ttl }),
    cacheDelete: () => unsupported("cacheDelete", "let the value expire with a ttl, or overwrite it"),
    httpRequest: (method, url, headersJson, body) => {
      const headers = headersJson === "" ? {} : (JSON.parse(headersJson) as Record<string, string>);
      const answer = JSON.parse(hostCall("http_request", { method, url, headers, body: base64Encode(new TextEncoder().encode(body)) })) as { status: number; body?: string };
      const bytes = base64Decode(answer.body ?? "");
      let text = "";
      try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      } catch {
        // Not UTF-8: the bytes stay in body_base64.
      }
      return JSON.stringify({ status: answer.status, headers: {}, body: text, body_base64: answer.body ?? "" });
    },
    sendEmail: (to, subject, body, attachmentsJson) => {
      if (attachmentsJson !== "" && attachmentsJson !== "[]") unsupported("an email attachment", "link to the file instead");
      const recipients = to.startsWith("[") ? (JSON.parse(to) as string[]) : [to];
      for (const address of recipients) hostCall("send_email", { to: address, subject, body, html: /^\s*<(!doctype html|html)/i.test(body) });
      return JSON.stringify({ id: "" });
    },
    scheduleJob: () => unsupported("scheduleJob", "declare the job in the manifest's jobs"),
    log: (level, message, fieldsJson) => engine().__gk_log(LEVELS[level] ?? 1, fieldsJson === "" ? message : `${message} ${fieldsJson}`),
  };
}

/** The request envelope (docs/envelopes.md) of one GoatFlow call. */
export function goatflowRequest(handler: string, info: GoatflowHandler | undefined, argsText: string, config: Record<string, unknown>): Record<string, unknown> {
  const kind = info?.kind ?? "call";
  const envelope: Record<string, unknown> = { kind, handler, config };
  if (kind !== "route") return envelope;
  let args: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(argsText || "{}");
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) args = parsed as Record<string, unknown>;
  } catch {
    // GoatFlow always sends an object; anything else is an empty request.
  }
  const text = (value: unknown) => (typeof value === "string" ? value : value === null || value === undefined ? "" : typeof value === "object" ? JSON.stringify(value) : String(value));
  const names = new Set(info?.params ?? []);
  const params: Record<string, string> = {};
  const query: Record<string, string> = {};
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    if (key.startsWith("_")) continue;
    if (names.has(key)) params[key] = text(value);
    else {
      // GoatFlow merges the query string and a JSON body: each key is both.
      query[key] = text(value);
      fields[key] = value;
    }
  }
  const method = text(args._method).toUpperCase() || "GET";
  const withBody = method !== "GET" && method !== "HEAD" && Object.keys(fields).length > 0;
  const id = typeof args._user_id === "number" ? args._user_id : Number(args._user_id);
  Object.assign(envelope, {
    method,
    path: text(args._path),
    params,
    query,
    headers: withBody ? { "content-type": "application/json" } : {},
    body: withBody ? JSON.stringify(fields) : "",
    user: args._user_id === undefined ? null : { id: Number.isFinite(id) ? id : 0, login: text(args._user_login), email: text(args._user_email), role: args._is_admin === true ? "admin" : text(args._user_role) },
    locale: "",
  });
  return envelope;
}

/**
 * A handler's result text as GoatFlow reads it for that kind of call. A `Response` (gk_response)
 * gives its body: GoatFlow answers every route with 200 and sends no headers.
 */
export function goatflowResult(kind: GoatflowHandler["kind"] | "call", text: string): string | null {
  const response = unwrapResponse(text);
  const body = response?.body ?? text;
  if (kind === "widget") return JSON.stringify({ html: body });
  if (kind !== "route") return body === "" ? null : body;
  if (body === "") return null;
  if (response?.html) return JSON.stringify({ html: body, raw: true });
  const first = body.trimStart()[0];
  // A route's text that is not JSON is a page (the SDK's html() returns the fragment itself).
  return first === "{" || first === "[" || first === '"' ? body : JSON.stringify({ html: body, raw: true });
}

/** The body of a `gk_response` and whether its type is HTML; null for any other text. */
function unwrapResponse(text: string): { body: string; html: boolean } | null {
  if (!text.startsWith('{"gk_response"')) return null;
  try {
    const { gk_response: response } = JSON.parse(text) as { gk_response?: { headers?: Record<string, string>; body?: string } };
    const type = Object.entries(response?.headers ?? {}).find(([name]) => name.toLowerCase() === "content-type")?.[1] ?? "";
    return { body: typeof response?.body === "string" ? response.body : "", html: /html/i.test(type) };
  } catch {
    return null;
  }
}

/** The plugin's configuration: the manifest's defaults, each overridden by `config_get` when first read in a call. */
function liveConfig(defaults: Record<string, unknown>): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const key of Object.keys(defaults)) {
    let read = false;
    let value = defaults[key];
    Object.defineProperty(config, key, {
      enumerable: true,
      get() {
        if (!read) {
          read = true;
          const answer = engine().__gk_host_call("config_get", JSON.stringify({ key }));
          if (answer !== null) {
            const got = (JSON.parse(answer) as { value?: unknown }).value;
            if (got !== undefined && got !== null) value = got;
          }
        }
        return value;
      },
    });
  }
  return config;
}

/** Connects the plugin definition to the engine: publishes `register` and `call`. */
export function serveGoatflow(definition: unknown, meta: GoatflowMeta): void {
  if (!isPluginDefinition(definition)) {
    throw new TypeError("the plugin entry must `export default definePlugin({ register, handlers })` from @goatkit/sdk/guest");
  }
  useHostBinding(goatflowHost());
  const plugin: PluginDefinition = definition;
  // Only the registration's text is kept, not its objects: the engine's snapshot holds whatever
  // the script keeps, and every new instance copies it in.
  const registration = JSON.stringify(meta.registration);
  const { handlers, config } = meta;
  (globalThis as unknown as Record<string, unknown>).__goatkitPlugin = {
    register: () => registration,
    call(handler: string, args: string): string | null {
      const info = Object.prototype.hasOwnProperty.call(handlers, handler) ? handlers[handler] : undefined;
      const request = goatflowRequest(handler, info, args, liveConfig(config));
      const outcome = callHandler(plugin, handler, JSON.stringify(request));
      if (outcome.kind === "unknown-handler") throw new Error(`the plugin has no handler "${handler}"; it has ${Object.keys(plugin.handlers).join(", ")}`);
      // The handler's error is in the log already (dispatch.ts); the engine traps the call.
      if (outcome.kind === "uncaught") throw new Error(`handler "${handler}" threw ${outcome.description}`);
      return goatflowResult(info?.kind ?? "call", outcome.text);
    },
  };
}
