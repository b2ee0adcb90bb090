/**
 * The `host.*` wrappers for `--target goatflow`: each one is a `gk.host_call` by name with
 * GoatFlow's JSON (docs/goatflow.md, "Building for GoatFlow"). The wrappers return the same
 * result objects as on the core ABI, so handlers do not change:
 *
 * - `0` from `host_call` is a failure with code `E_SERVICE`: GoatFlow gives no reason (a GoatKit
 *   host writes it to the plugin's log);
 * - `dbExec` reads `{"affected"}` (no last insert id); bytes travel as base64;
 * - `cacheDelete` stores a tombstone for one second that `cacheGet` reads as a miss (GoatFlow's
 *   `host_call` has no `cache_delete`);
 * - `sendEmail` sends one `send_email` per recipient and cannot send attachments;
 * - `scheduleJob` fails: jobs come from the manifest;
 * - `log` levels are GoatFlow's integers, and fields are appended to the message as JSON.
 */
import { JSON } from "../json";
import { argument, beginHostCall, copyString, currentCall, endHostCall, lenOf, ptrOf } from "../memory";
import { CacheResult, EmailResult, ErrorCode, ExecResult, HostError, HostResult, HttpResult, JobResult, Rows } from "../host";
import { decodeBase64Text, encodeBase64 } from "./base64";

// @ts-ignore: decorator
@external("gk", "host_call")
declare function gk_host_call(fnPtr: usize, fnLen: usize, argsPtr: usize, argsLen: usize): u64;
// @ts-ignore: decorator
@external("gk", "log")
declare function gk_log(level: i32, msgPtr: usize, msgLen: usize): void;

/** What a deleted cache entry holds until it expires; `cacheGet` reads it as a miss. */
const TOMBSTONE = "\u0000gk:deleted";

let lastFailure: HostError | null = null;
let lastFailureCall: u32 = 0;

function fail(result: HostResult, message: string, code: string = "E_SERVICE"): void {
  result.ok = false;
  result.error = message;
  result.code = code;
  lastFailure = new HostError(message, code);
  lastFailureCall = currentCall();
}

/** Calls `gk.host_call(fn, request)` and copies the answer out; `null` when the host answered 0. */
export function hostCall(fn: string, request: JSON.Obj): string | null {
  const text = request.stringify();
  const mark = beginHostCall();
  const f = argument(fn);
  const a = argument(text);
  const answer = copyString(gk_host_call(ptrOf(f), lenOf(f), ptrOf(a), lenOf(a)));
  endHostCall(mark);
  return answer;
}

/** Calls a function and reads an object answer; on `0` or garbage marks `result` failed and returns null. */
function callObj(result: HostResult, fn: string, request: JSON.Obj): JSON.Obj | null {
  const text = hostCall(fn, request);
  if (text == null) {
    fail(result, "host_call " + fn + " failed (GoatFlow's host_call gives no reason; a GoatKit host logs it)");
    return null;
  }
  const obj = JSON.parseObj(text);
  if (obj == null) fail(result, fn + " returned no JSON object");
  return obj;
}

function argsOf(args: JSON.Arr | null): JSON.Arr {
  return args == null ? new JSON.Arr() : args;
}

export function dbQuery(sql: string, args: JSON.Arr | null): Rows {
  const rows = new Rows();
  const text = hostCall("db_query", new JSON.Obj().set("query", sql).set("args", argsOf(args)));
  if (text == null) {
    fail(rows, "host_call db_query failed (GoatFlow's host_call gives no reason; a GoatKit host logs it)");
    return rows;
  }
  const value = JSON.parse(text);
  const arr: JSON.Arr | null = value == null ? null : value.asArr();
  if (arr != null) rows.json = arr;
  else if (value != null && value.asObj() != null && value.asObj()!.has("error")) fail(rows, value.asObj()!.getString("error"));
  else fail(rows, "db_query returned no array");
  return rows;
}

export function dbExec(sql: string, args: JSON.Arr | null): ExecResult {
  const res = new ExecResult();
  const obj = callObj(res, "db_exec", new JSON.Obj().set("query", sql).set("args", argsOf(args)));
  if (obj != null) res.rowsAffected = obj.getInt("affected");
  return res;
}

export function cacheLookup(key: string): CacheResult {
  const res = new CacheResult();
  const obj = callObj(res, "cache_get", new JSON.Obj().set("key", key));
  if (obj == null || !obj.getBool("found") || obj.isNull("value")) return res;
  const value = decodeBase64Text(obj.getString("value"));
  if (value == null) {
    fail(res, "cache_get returned a value that is not base64");
    return res;
  }
  if (value == TOMBSTONE) return res;
  res.found = true;
  res.value = value;
  return res;
}

function cacheStore(key: string, value: string, ttlSeconds: i32, fn: string): i32 {
  const res = new HostResult();
  const request = new JSON.Obj().set("key", key).set("value", encodeBase64(value)).set("ttl", max(ttlSeconds, 0));
  if (callObj(res, "cache_set", request) == null) {
    if (fn != "cache_set") lastFailure = new HostError(fn + " failed: " + res.error, res.code);
    return ErrorCode.Service;
  }
  return ErrorCode.None;
}

export function cacheSet(key: string, value: string, ttlSeconds: i32): i32 {
  return cacheStore(key, value, ttlSeconds, "cache_set");
}

export function cacheDelete(key: string): i32 {
  return cacheStore(key, TOMBSTONE, 1, "cache_delete");
}

export function httpRequest(method: string, url: string, headers: JSON.Obj | null, body: string): HttpResult {
  const res = new HttpResult();
  const request = new JSON.Obj()
    .set("method", method)
    .set("url", url)
    .set("headers", headers == null ? new JSON.Obj() : headers)
    .set("body", encodeBase64(body));
  const obj = callObj(res, "http_request", request);
  if (obj == null) return res;
  res.status = <i32>obj.getInt("status");
  res.bodyBase64 = obj.getString("body");
  const text = decodeBase64Text(res.bodyBase64);
  if (text == null) fail(res, "http_request returned a body that is not base64");
  else res.body = text;
  return res;
}

export function sendEmail(to: string[], subject: string, body: string, attachments: JSON.Arr | null): EmailResult {
  const res = new EmailResult();
  if (attachments != null && attachments.length > 0) {
    fail(res, "send_email on GoatFlow cannot send attachments; send a link instead", "E_INVALID_ARGUMENT");
    return res;
  }
  const lower = body.trimStart().toLowerCase();
  const isHTML = lower.startsWith("<!doctype html") || lower.startsWith("<html");
  for (let i = 0; i < to.length; i++) {
    const request = new JSON.Obj().set("to", to[i]).set("subject", subject).set("body", body).set("html", isHTML);
    if (callObj(res, "send_email", request) == null) return res;
  }
  return res;
}

export function scheduleJob(): JobResult {
  const res = new JobResult();
  fail(res, "schedule_job is not available on GoatFlow; declare the job in the manifest's jobs", "E_SERVICE");
  return res;
}

const LEVELS: string[] = ["debug", "info", "warn", "error"];

export function log(level: string, message: string, fields: JSON.Obj | null): void {
  let n = LEVELS.indexOf(level);
  if (n < 0) n = 1;
  const text = fields == null || fields.size == 0 ? message : message + " " + fields.stringify();
  const mark = beginHostCall();
  const m = argument(text);
  gk_log(n, ptrOf(m), lenOf(m));
  endHostCall(mark);
}

/** The last failure of this call, or null (failures stay until another one, as on the core ABI). */
export function lastError(): HostError | null {
  return lastFailureCall == currentCall() ? lastFailure : null;
}
