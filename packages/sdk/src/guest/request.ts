/** The request envelope (docs/envelopes.md, "Request"). */
import { PluginError } from "./errors.js";

/** The authenticated user of a call. */
export interface User {
  id: number;
  login: string;
  email: string;
  role: "agent" | "admin" | "customer" | (string & {});
}

/** The job being run, for `kind == "job"`. */
export interface Job {
  id: string;
  /** The cron schedule. */
  schedule: string;
  /** ISO 8601. */
  scheduledAt: string;
  /** Starts at 1. */
  attempt: number;
  /** What `schedule_job` was given, or `null`. */
  payload: unknown;
}

/** The event being handled, for `kind == "hook"`. */
export interface Hook {
  event: string;
  data: unknown;
}

export type RequestKind = "route" | "widget" | "job" | "hook" | "function" | "call";

const INTEGER = /^[+-]?[0-9]+$/;

/** One call's request. Missing fields get empty values, never `undefined` (`user`, `job`, `hook` are `null` when absent). */
export class Request {
  /** Why the handler runs: `route`, `widget`, `job`, `hook`, `function` or `call`. */
  readonly kind: RequestKind;
  /** The handler being called. */
  readonly handler: string;
  /** HTTP method in upper case; `""` outside routes. */
  readonly method: string;
  /** The request path, without the query string. */
  readonly path: string;
  /** Route `:params`, decoded. */
  readonly params: Readonly<Record<string, string>>;
  /** Query-string values, decoded (`query()` reads one). */
  readonly queryParams: Readonly<Record<string, string>>;
  /** Request headers with lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body as text; `""` when there is none. For `kind == "function"` it holds the JSON arguments. */
  readonly body: string;
  /** `null` when anonymous. */
  readonly user: User | null;
  /** The user's language (BCP 47). */
  readonly locale: string;
  readonly job: Job | null;
  readonly hook: Hook | null;
  /** The plugin's configuration, defaults applied. */
  readonly config: Readonly<Record<string, unknown>>;
  /** The whole envelope, for fields this SDK does not know yet. */
  readonly raw: Readonly<Record<string, unknown>>;

  /** Parses the envelope text; an unreadable envelope gives a request with empty fields. */
  constructor(envelope: string | Record<string, unknown>) {
    const raw = typeof envelope === "string" ? parseObject(envelope) ?? {} : envelope;
    this.raw = raw;
    this.kind = string(raw.kind) as RequestKind;
    this.handler = string(raw.handler);
    this.method = string(raw.method);
    this.path = string(raw.path);
    this.params = strings(raw.params);
    this.queryParams = strings(raw.query);
    this.headers = strings(raw.headers);
    this.body = string(raw.body);
    this.locale = string(raw.locale);
    this.config = isObject(raw.config) ? raw.config : {};

    const user = raw.user;
    this.user = isObject(user) ? { id: number(user.id, 0), login: string(user.login), email: string(user.email), role: string(user.role) } : null;
    const job = raw.job;
    this.job = isObject(job)
      ? { id: string(job.id), schedule: string(job.schedule), scheduledAt: string(job.scheduled_at), attempt: number(job.attempt, 1), payload: job.payload ?? null }
      : null;
    const hook = raw.hook;
    this.hook = isObject(hook) ? { event: string(hook.event), data: hook.data ?? null } : null;
  }

  /** A route parameter, or `fallback`. */
  param(name: string, fallback = ""): string {
    return this.params[name] ?? fallback;
  }

  /** A query-string value, or `fallback`. */
  query(name: string, fallback = ""): string {
    return this.queryParams[name] ?? fallback;
  }

  /** A query-string value as an integer; `fallback` when absent, not an integer, or beyond ±2^53. */
  queryInt(name: string, fallback = 0): number {
    const text = this.query(name);
    if (!INTEGER.test(text)) return fallback;
    const value = Number(text);
    return Number.isSafeInteger(value) ? value : fallback;
  }

  /** A header, by any case of its name, or `fallback`. */
  header(name: string, fallback = ""): string {
    return this.headers[name.toLowerCase()] ?? fallback;
  }

  /** The body parsed as JSON; `null` when it is not valid JSON. */
  json<T = unknown>(): T | null {
    try {
      return JSON.parse(this.body) as T;
    } catch {
      return null;
    }
  }

  /** The body parsed as a JSON object; `null` when it is not one. */
  jsonObj<T extends object = Record<string, unknown>>(): T | null {
    return parseObject(this.body) as T | null;
  }

  /**
   * The body parsed as a JSON object, for routes that need one: otherwise throws a 400
   * `BAD_REQUEST` PluginError whose message shows `example`, what the route expects.
   */
  bodyObject<T extends object = Record<string, unknown>>(example: string): T {
    const body = this.jsonObj<T>();
    if (body === null) throw new PluginError(`the request body must be a JSON object such as ${example}`, 400, "BAD_REQUEST");
    return body;
  }
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : null;
  } catch {
    return null;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function string(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function number(value: unknown, fallback: number): number {
  return typeof value === "number" ? value : fallback;
}

function strings(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObject(value)) for (const key of Object.keys(value)) if (typeof value[key] === "string") out[key] = value[key];
  return out;
}
