/**
 * The host functions (docs/host-functions.md) as `host.*` wrappers over the imports of module
 * `host`. Only the imports a plugin uses end up in its module. Built with `--target goatflow`,
 * each wrapper speaks GoatFlow's `gk.host_call` instead (./goatflow/host-calls.ts).
 *
 * AssemblyScript cannot catch exceptions, so nothing here throws: calls that can fail return a
 * result object with `ok`, `error` (the message) and `code` (`E_PERMISSION_DENIED`, ...), or an
 * `i32` error code where the ABI has one. Every wrapper copies the host's answer out of the
 * arena before it returns.
 */
import { JSON } from "./json";
import { argument, beginHostCall, copyString, currentCall, endHostCall, lenOf, ptrOf } from "./memory";
import { GOATFLOW } from "./target";
import * as goatflow from "./goatflow/host-calls";

// @ts-ignore: decorator
@external("host", "db_query")
declare function host_db_query(qPtr: usize, qLen: usize, argsPtr: usize, argsLen: usize): u64;
// @ts-ignore: decorator
@external("host", "db_exec")
declare function host_db_exec(qPtr: usize, qLen: usize, argsPtr: usize, argsLen: usize): u64;
// @ts-ignore: decorator
@external("host", "cache_get")
declare function host_cache_get(kPtr: usize, kLen: usize): u64;
// @ts-ignore: decorator
@external("host", "cache_set")
declare function host_cache_set(kPtr: usize, kLen: usize, vPtr: usize, vLen: usize, ttl: i32): i32;
// @ts-ignore: decorator
@external("host", "cache_delete")
declare function host_cache_delete(kPtr: usize, kLen: usize): i32;
// @ts-ignore: decorator
@external("host", "http_request")
declare function host_http_request(
  methodPtr: usize, methodLen: usize, urlPtr: usize, urlLen: usize,
  headersPtr: usize, headersLen: usize, bodyPtr: usize, bodyLen: usize,
): u64;
// @ts-ignore: decorator
@external("host", "send_email")
declare function host_send_email(
  toPtr: usize, toLen: usize, subjectPtr: usize, subjectLen: usize,
  bodyPtr: usize, bodyLen: usize, attachmentsPtr: usize, attachmentsLen: usize,
): u64;
// @ts-ignore: decorator
@external("host", "schedule_job")
declare function host_schedule_job(
  cronPtr: usize, cronLen: usize, handlerPtr: usize, handlerLen: usize, payloadPtr: usize, payloadLen: usize,
): u64;
// @ts-ignore: decorator
@external("host", "log")
declare function host_log(lvlPtr: usize, lvlLen: usize, msgPtr: usize, msgLen: usize, fieldsPtr: usize, fieldsLen: usize): void;
// @ts-ignore: decorator
@external("host", "last_error")
declare function host_last_error(): u64;

/** The i32 error codes of `cache_set` and `cache_delete`; envelopes carry the names. */
export enum ErrorCode {
  None = 0,
  PermissionDenied = 1,
  InvalidArgument = 2,
  LimitExceeded = 3,
  Service = 4,
}

const CODE_NAMES: string[] = ["", "E_PERMISSION_DENIED", "E_INVALID_ARGUMENT", "E_LIMIT_EXCEEDED", "E_SERVICE"];

/** A host error envelope: `{"error": message, "code": code}`. */
export class HostError {
  constructor(
    readonly message: string,
    readonly code: string,
  ) {}

  /** `code` as an `ErrorCode`; -1 for a code this SDK does not know (still a failure). */
  get errno(): i32 {
    return errnoOf(this.code);
  }
}

/** What every fallible host call returns: check `ok` before reading the other fields. */
export class HostResult {
  ok: bool = true;
  /** The error message; `""` when `ok`. */
  error: string = "";
  /** The error code name (`E_PERMISSION_DENIED`, `E_INVALID_ARGUMENT`, `E_LIMIT_EXCEEDED`, `E_SERVICE`); `""` when `ok`. */
  code: string = "";

  /** `code` as an `ErrorCode`: 0 when `ok`, -1 for a code this SDK does not know. */
  get errno(): i32 {
    return this.ok ? 0 : errnoOf(this.code);
  }
}

function errnoOf(code: string): i32 {
  const i = CODE_NAMES.indexOf(code);
  return i > 0 ? i : -1;
}

/** `host.dbQuery`: the rows, as JSON objects keyed by column name. */
export class Rows extends HostResult {
  /** The rows as the JSON array the host sent (empty on failure). */
  json: JSON.Arr = new JSON.Arr();

  get length(): i32 {
    return this.json.length;
  }

  /** Row `index` (traps when out of range, like an array). Read columns with `getString`, `getInt`, ... */
  row(index: i32): JSON.Obj {
    const row = this.json.items[index].asObj();
    return row == null ? new JSON.Obj() : row;
  }
}

/** `host.dbExec`. */
export class ExecResult extends HostResult {
  rowsAffected: i64 = 0;
  /** Valid when `hasLastInsertId`. */
  lastInsertId: i64 = 0;
  /** False when the statement inserted nothing or the database does not report the id. */
  hasLastInsertId: bool = false;
}

/** `host.cacheLookup`. */
export class CacheResult extends HostResult {
  /** False on a miss and on failure. */
  found: bool = false;
  value: string = "";
}

/** `host.httpRequest`. `ok` means the request was made, whatever its status. */
export class HttpResult extends HostResult {
  status: i32 = 0;
  /** Response headers with lower-case names. */
  headers: JSON.Obj = new JSON.Obj();
  body: string = "";
  /** The body in base64 when it is not valid UTF-8 (`body` is then ""). */
  bodyBase64: string = "";

  header(name: string, fallback: string = ""): string {
    return this.headers.getString(name.toLowerCase(), fallback);
  }
}

/** `host.sendEmail`. */
export class EmailResult extends HostResult {
  /** The message id. */
  id: string = "";
}

/** `host.scheduleJob`. */
export class JobResult extends HostResult {
  /** The job id; the same cron and handler always give the same id. */
  id: string = "";
  /** ISO 8601. */
  nextRun: string = "";
}

// `last_error` keeps the last failure of the call until another call fails, so a `0` from
// `cache_get` after an earlier failure would be ambiguous. The wrappers remember the last failure
// they saw to tell a fresh `cache_get` failure from an old error.
let knownError: HostError | null = null;
let knownErrorFrom = "";
let knownErrorCall: u32 = 0;

function remember(err: HostError, fn: string): void {
  knownError = err;
  knownErrorFrom = fn;
  knownErrorCall = currentCall();
}

function setError(result: HostResult, err: HostError): void {
  result.ok = false;
  result.error = err.message;
  result.code = err.code;
}

/** Records a failure the host reported (and put in `last_error`). */
function hostFailed(result: HostResult, err: HostError, fn: string): void {
  setError(result, err);
  remember(err, fn);
}

/** Records an answer the SDK cannot read; the host saw no failure, so `last_error` is untouched. */
function unreadable(result: HostResult, fn: string, what: string): void {
  setError(result, new HostError(fn + " returned " + what, "E_SERVICE"));
}

function isNewFailure(err: HostError, fn: string): bool {
  const known = knownErrorCall == currentCall() ? knownError : null;
  if (known == null || known.message != err.message || known.code != err.code) return true;
  return knownErrorFrom == fn; // the same function failing the same way again
}

/** Parses a JSON host result; on an error envelope (or garbage) marks `result` failed and returns null. */
function readJSON(result: HostResult, text: string | null, fn: string): JSON.Value | null {
  const value: JSON.Value | null = text == null ? null : JSON.parse(text);
  if (value == null) {
    unreadable(result, fn, text == null ? "nothing" : "invalid JSON");
    return null;
  }
  const obj = value.asObj();
  if (obj != null && obj.has("error")) {
    hostFailed(result, new HostError(obj.getString("error"), obj.getString("code")), fn);
    return null;
  }
  return value;
}

/** Like `readJSON` for results that are objects; gives an empty object on failure. */
function readObj(result: HostResult, text: string | null, fn: string): JSON.Obj {
  const value = readJSON(result, text, fn);
  if (value == null) return new JSON.Obj();
  const obj = value.asObj();
  if (obj != null) return obj;
  unreadable(result, fn, "no object");
  return new JSON.Obj();
}

function parseError(text: string | null): HostError | null {
  if (text == null) return null;
  const env = JSON.parseObj(text);
  return env == null ? new HostError(text, "") : new HostError(env.getString("error", text), env.getString("code"));
}

/** Records the envelope of a call that just returned a non-zero error code. */
function rememberCode(code: i32, fn: string): void {
  const err = host.lastError();
  const name = code > 0 && code < CODE_NAMES.length ? CODE_NAMES[code] : "";
  remember(err != null ? err : new HostError(fn + " failed", name), fn);
}

export namespace host {
  /**
   * Runs one read-only statement (`?` placeholders) and returns its rows. Needs `db:read`.
   * `args` fills the placeholders: `new JSON.Arr().push("open").push(10)`.
   */
  export function dbQuery(sql: string, args: JSON.Arr | null = null): Rows {
    if (GOATFLOW) return goatflow.dbQuery(sql, args);
    const argsJSON: string | null = args == null ? null : args.stringify();
    const mark = beginHostCall();
    const q = argument(sql);
    const a = argument(argsJSON);
    const text = copyString(host_db_query(ptrOf(q), lenOf(q), ptrOf(a), lenOf(a)));
    endHostCall(mark);
    const rows = new Rows();
    const value = readJSON(rows, text, "db_query");
    if (value != null) {
      const arr = value.asArr();
      if (arr != null) rows.json = arr;
      else unreadable(rows, "db_query", "no array");
    }
    return rows;
  }

  /** Runs one INSERT, UPDATE, DELETE or REPLACE on the plugin's own tables. Needs `db:write`. */
  export function dbExec(sql: string, args: JSON.Arr | null = null): ExecResult {
    if (GOATFLOW) return goatflow.dbExec(sql, args);
    const argsJSON: string | null = args == null ? null : args.stringify();
    const mark = beginHostCall();
    const q = argument(sql);
    const a = argument(argsJSON);
    const text = copyString(host_db_exec(ptrOf(q), lenOf(q), ptrOf(a), lenOf(a)));
    endHostCall(mark);
    const res = new ExecResult();
    const obj = readObj(res, text, "db_exec");
    res.rowsAffected = obj.getInt("rows_affected");
    res.hasLastInsertId = !obj.isNull("last_insert_id");
    res.lastInsertId = obj.getInt("last_insert_id");
    return res;
  }

  /** Reads a cached value: `found` on a hit; a miss is `ok` and not `found`. Needs `cache:read`. */
  export function cacheLookup(key: string): CacheResult {
    if (GOATFLOW) return goatflow.cacheLookup(key);
    const mark = beginHostCall();
    const k = argument(key);
    const value = copyString(host_cache_get(ptrOf(k), lenOf(k)));
    endHostCall(mark);
    const res = new CacheResult();
    if (value != null) {
      res.found = true;
      res.value = value;
      return res;
    }
    // `0` is a miss or a failure; last_error tells them apart.
    const err = lastError();
    if (err != null && isNewFailure(err, "cache_get")) hostFailed(res, err, "cache_get");
    return res;
  }

  /** A cached value, or `null` on a miss or failure (use `cacheLookup` to tell them apart). */
  export function cacheGet(key: string): string | null {
    const res = cacheLookup(key);
    return res.found ? res.value : null;
  }

  /**
   * Stores a value for `ttlSeconds` (0: no expiry). Returns `ErrorCode.None` (0) or an error code;
   * `host.lastError()` has the message. Needs `cache:write`.
   */
  export function cacheSet(key: string, value: string, ttlSeconds: i32 = 0): i32 {
    if (GOATFLOW) return goatflow.cacheSet(key, value, ttlSeconds);
    const mark = beginHostCall();
    const k = argument(key);
    const v = argument(value);
    const code = host_cache_set(ptrOf(k), lenOf(k), ptrOf(v), lenOf(v), ttlSeconds);
    endHostCall(mark);
    if (code != 0) rememberCode(code, "cache_set");
    return code;
  }

  /** Removes a value (0 also when it did not exist). Returns 0 or an error code. Needs `cache:write`. */
  export function cacheDelete(key: string): i32 {
    if (GOATFLOW) return goatflow.cacheDelete(key);
    const mark = beginHostCall();
    const k = argument(key);
    const code = host_cache_delete(ptrOf(k), lenOf(k));
    endHostCall(mark);
    if (code != 0) rememberCode(code, "cache_delete");
    return code;
  }

  /**
   * Makes an outbound HTTP request. Needs `http:external` and the URL's host in the manifest's
   * `http.allowed_hosts`. `headers` is an object of strings.
   */
  export function httpRequest(method: string, url: string, headers: JSON.Obj | null = null, body: string = ""): HttpResult {
    if (GOATFLOW) return goatflow.httpRequest(method, url, headers, body);
    const headersJSON: string | null = headers == null ? null : headers.stringify();
    const mark = beginHostCall();
    const m = argument(method);
    const u = argument(url);
    const h = argument(headersJSON);
    const b = argument(body);
    const text = copyString(
      host_http_request(ptrOf(m), lenOf(m), ptrOf(u), lenOf(u), ptrOf(h), lenOf(h), ptrOf(b), lenOf(b)),
    );
    endHostCall(mark);
    const res = new HttpResult();
    const obj = readObj(res, text, "http_request");
    res.status = <i32>obj.getInt("status");
    const resHeaders = obj.getObj("headers");
    if (resHeaders != null) res.headers = resHeaders;
    res.body = obj.getString("body");
    res.bodyBase64 = obj.getString("body_base64");
    return res;
  }

  /**
   * Sends an email. `body` is plain text, or HTML when it starts with `<!doctype html` or `<html`.
   * `attachments` holds `{"filename", "content_type", "content_base64"}` objects. Needs `email:send`.
   */
  export function sendEmail(to: string[], subject: string, body: string, attachments: JSON.Arr | null = null): EmailResult {
    if (GOATFLOW) return goatflow.sendEmail(to, subject, body, attachments);
    const toJSON = JSON.from(to).stringify();
    const attachmentsJSON: string | null = attachments == null ? null : attachments.stringify();
    const mark = beginHostCall();
    const t = argument(toJSON);
    const s = argument(subject);
    const b = argument(body);
    const a = argument(attachmentsJSON);
    const text = copyString(host_send_email(ptrOf(t), lenOf(t), ptrOf(s), lenOf(s), ptrOf(b), lenOf(b), ptrOf(a), lenOf(a)));
    endHostCall(mark);
    const res = new EmailResult();
    res.id = readObj(res, text, "send_email").getString("id");
    return res;
  }

  /**
   * Runs the exported `handler` on a cron schedule (5 fields, or 6 with seconds first); it gets
   * `payload` as `req.job.payload`. Scheduling the same cron and handler again replaces the
   * payload, so it is safe on every start. Needs `jobs:schedule`.
   */
  export function scheduleJob(cron: string, handler: string, payload: JSON.Value | null = null): JobResult {
    if (GOATFLOW) return goatflow.scheduleJob();
    const payloadJSON: string | null = payload == null ? null : payload.stringify();
    const mark = beginHostCall();
    const c = argument(cron);
    const h = argument(handler);
    const p = argument(payloadJSON);
    const text = copyString(host_schedule_job(ptrOf(c), lenOf(c), ptrOf(h), lenOf(h), ptrOf(p), lenOf(p)));
    endHostCall(mark);
    const res = new JobResult();
    const obj = readObj(res, text, "schedule_job");
    res.id = obj.getString("id");
    res.nextRun = obj.getString("next_run");
    return res;
  }

  /** Writes a structured log line. `level`: `debug`, `info`, `warn` or `error`. Never fails. */
  export function log(level: string, message: string, fields: JSON.Obj | null = null): void {
    if (GOATFLOW) {
      goatflow.log(level, message, fields);
      return;
    }
    const fieldsJSON: string | null = fields == null ? null : fields.stringify();
    const mark = beginHostCall();
    const l = argument(level);
    const m = argument(message);
    const f = argument(fieldsJSON);
    host_log(ptrOf(l), lenOf(l), ptrOf(m), lenOf(m), ptrOf(f), lenOf(f));
    endHostCall(mark);
  }

  export function debug(message: string, fields: JSON.Obj | null = null): void {
    log("debug", message, fields);
  }

  export function info(message: string, fields: JSON.Obj | null = null): void {
    log("info", message, fields);
  }

  export function warn(message: string, fields: JSON.Obj | null = null): void {
    log("warn", message, fields);
  }

  export function error(message: string, fields: JSON.Obj | null = null): void {
    log("error", message, fields);
  }

  /**
   * The envelope of the most recent failed host call in this handler call, or `null`. Failures
   * stay until another call fails; successful calls do not clear them.
   */
  export function lastError(): HostError | null {
    if (GOATFLOW) return goatflow.lastError();
    const mark = beginHostCall();
    const text = copyString(host_last_error());
    endHostCall(mark);
    return parseError(text);
  }
}
