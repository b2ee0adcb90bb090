/** The request envelope (docs/envelopes.md, "Request"). */
import { JSON } from "./json";
import { copyString, packPtrLen } from "./memory";

/** The authenticated user of a call. */
export class User {
  constructor(
    readonly id: i64,
    readonly login: string,
    readonly email: string,
    /** `"agent"`, `"admin"` or `"customer"`. */
    readonly role: string,
  ) {}
}

/** The job being run, for `kind == "job"`. */
export class Job {
  constructor(
    readonly id: string,
    /** The cron schedule. */
    readonly schedule: string,
    /** ISO 8601. */
    readonly scheduledAt: string,
    /** Starts at 1. */
    readonly attempt: i32,
    /** What `schedule_job` was given, or JSON `null`. */
    readonly payload: JSON.Value,
  ) {}
}

/** The event being handled, for `kind == "hook"`. */
export class Hook {
  constructor(
    readonly event: string,
    readonly data: JSON.Value,
  ) {}
}

/** One call's request. Fields the envelope lacks get empty values, never `null` (except `user`, `job`, `hook`). */
export class Request {
  /** `"route"`, `"widget"`, `"job"`, `"hook"`, `"function"` or `"call"`. */
  readonly kind: string;
  /** The export being called. */
  readonly handler: string;
  /** HTTP method in upper case; `""` outside routes. */
  readonly method: string;
  /** The request path, without the query string. */
  readonly path: string;
  /** Route `:params`, decoded. */
  readonly params: JSON.Obj;
  /** Query-string values, decoded (`query()` reads one). */
  readonly queryParams: JSON.Obj;
  /** Request headers with lower-case names. */
  readonly headers: JSON.Obj;
  /** The body as text; `""` when there is none. For `kind == "function"` it holds the JSON arguments. */
  readonly body: string;
  /** `null` when anonymous. */
  readonly user: User | null;
  /** The user's language (BCP 47). */
  readonly locale: string;
  readonly job: Job | null;
  readonly hook: Hook | null;
  /** The plugin's configuration, defaults applied. */
  readonly config: JSON.Obj;
  /** The whole envelope, for fields this SDK does not know yet. */
  readonly raw: JSON.Obj;

  constructor(raw: JSON.Obj) {
    this.raw = raw;
    this.kind = raw.getString("kind");
    this.handler = raw.getString("handler");
    this.method = raw.getString("method");
    this.path = raw.getString("path");
    this.params = objOrEmpty(raw.getObj("params"));
    this.queryParams = objOrEmpty(raw.getObj("query"));
    this.headers = objOrEmpty(raw.getObj("headers"));
    this.body = raw.getString("body");
    this.locale = raw.getString("locale");
    this.config = objOrEmpty(raw.getObj("config"));

    const user = raw.getObj("user");
    this.user =
      user == null
        ? null
        : new User(user.getInt("id"), user.getString("login"), user.getString("email"), user.getString("role"));

    const job = raw.getObj("job");
    this.job =
      job == null
        ? null
        : new Job(
            job.getString("id"),
            job.getString("schedule"),
            job.getString("scheduled_at"),
            <i32>job.getInt("attempt", 1),
            valueOrNull(job.get("payload")),
          );

    const hook = raw.getObj("hook");
    this.hook = hook == null ? null : new Hook(hook.getString("event"), valueOrNull(hook.get("data")));
  }

  /** A route parameter, or `fallback`. */
  param(name: string, fallback: string = ""): string {
    return this.params.getString(name, fallback);
  }

  /** A query-string value, or `fallback`. */
  query(name: string, fallback: string = ""): string {
    return this.queryParams.getString(name, fallback);
  }

  /** A query-string value as an integer; `fallback` when absent or not an integer. */
  queryInt(name: string, fallback: i64 = 0): i64 {
    return JSON.parseInteger(this.query(name), fallback);
  }

  /** A header (by lower-case name), or `fallback`. */
  header(name: string, fallback: string = ""): string {
    return this.headers.getString(name.toLowerCase(), fallback);
  }

  /** The body parsed as JSON; `null` when it is not valid JSON. */
  json(): JSON.Value | null {
    return JSON.parse(this.body);
  }

  /** The body parsed as a JSON object; `null` when it is not one. */
  jsonObj(): JSON.Obj | null {
    return JSON.parseObj(this.body);
  }
}

/**
 * Copies and parses the request a handler receives (its `(reqPtr, reqLen)` arguments). The bytes
 * stay valid for the whole call, so this may run at any point of the handler. An unreadable
 * envelope gives a request with empty fields.
 */
export function parseRequest(reqPtr: u32, reqLen: u32): Request {
  const text = copyString(packPtrLen(reqPtr, reqLen));
  const raw: JSON.Obj | null = text == null ? null : JSON.parseObj(text);
  return new Request(raw == null ? new JSON.Obj() : raw);
}

function objOrEmpty(obj: JSON.Obj | null): JSON.Obj {
  return obj == null ? new JSON.Obj() : obj;
}

function valueOrNull(v: JSON.Value | null): JSON.Value {
  return v == null ? new JSON.Null() : v;
}
