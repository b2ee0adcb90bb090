/**
 * `gk_call` for `--target goatflow`: the entry file the build generates calls `beginGoatflow`
 * with the handler table it embeds, dispatches by name to the plugin's own handler with a
 * request envelope rebuilt from GoatFlow's flat arguments, and returns `finishGoatflow` of the
 * result, which is translated to what GoatFlow serves (docs/goatflow.md, "Building for GoatFlow").
 */
import { JSON } from "../json";
import { beginGoatflowCall, copyString, goatflowMalloc, packPtrLen, packResult } from "../memory";
import { hostCall, log } from "./host-calls";

/** GoatFlow's allocator: never starts a call (the host allocates the name, then the arguments). */
export function gk_malloc(size: u32): u32 {
  return goatflowMalloc(size);
}

/** GoatFlow frees what it allocated after each call; the arena is rewound by the next `gk_call` instead. */
export function gk_free(ptr: u32): void {}

/** The registration the build embedded, for `gk_register`. */
export function goatflowRegister(registration: string): u64 {
  return packResult(registration);
}

let table: JSON.Obj | null = null;
let configDefaults: JSON.Obj = new JSON.Obj();
let request: ArrayBuffer = new ArrayBuffer(0);
let kind = "";
let handlerName = "";

/** The handler the current call names. */
export function goatflowHandler(): string {
  return handlerName;
}

/** The request envelope of the current call, for the handler's `(reqPtr, reqLen)`. */
export function goatflowRequestPtr(): u32 {
  return <u32>changetype<usize>(request);
}

export function goatflowRequestLen(): u32 {
  return <u32>request.byteLength;
}

/**
 * Starts a call: copies the name and the arguments out of the memory the host allocated, rewinds
 * the arena and builds the request envelope. `meta` is the build's handler table:
 * `{"handlers": {name: {"routes": [{method, path}], "widget": bool, "job": {id, schedule} | null, "function": bool}}, "config": {key: default}}`.
 */
export function beginGoatflow(fnPtr: u32, fnLen: u32, argsPtr: u32, argsLen: u32, meta: string): void {
  const name = copyString(packPtrLen(fnPtr, fnLen));
  const args = copyString(packPtrLen(argsPtr, argsLen));
  beginGoatflowCall();
  if (table == null) {
    const parsed = JSON.parseObj(meta);
    const all = parsed == null ? new JSON.Obj() : parsed;
    const handlers = all.getObj("handlers");
    table = handlers == null ? new JSON.Obj() : handlers;
    const config = all.getObj("config");
    if (config != null) configDefaults = config;
  }
  handlerName = name == null ? "" : name;
  const info = table!.getObj(handlerName);
  const envelope = rebuild(handlerName, args, info == null ? new JSON.Obj() : info);
  request = String.UTF8.encode(envelope.stringify(), false, String.UTF8.ErrorMode.REPLACE);
}

/** The answer for a name the table does not have. */
export function unknownHandler(name: string): u64 {
  log("error", "gk_call: no handler named \"" + name + "\"", null);
  return packResult(new JSON.Obj().set("error", "no handler named " + name).set("code", "E_UNKNOWN_HANDLER").stringify());
}

function rebuild(name: string, args: string | null, info: JSON.Obj): JSON.Obj {
  const env = new JSON.Obj().set("handler", name).set("config", config());
  const flat: JSON.Obj | null = args == null ? null : JSON.parseObj(args);
  const job = info.getObj("job");
  if (flat != null && flat.has("_method")) {
    kind = "route";
    routeEnvelope(env, flat, info);
  } else if (flat == null && job != null) {
    kind = "job";
    env.set("job", new JSON.Obj().set("id", job.getString("id")).set("schedule", job.getString("schedule")).set("scheduled_at", "").set("attempt", 1).set("payload", new JSON.Null()));
  } else if (info.getBool("widget") && (flat == null || !info.getBool("function") || flat.size == 0)) {
    kind = "widget";
  } else {
    kind = info.getBool("function") ? "function" : "call";
    if (args != null) env.set("body", args);
  }
  return env.set("kind", kind);
}

/** The plugin's configuration: the manifest's defaults, each replaced by `config_get` when the host answers it. */
function config(): JSON.Obj {
  const out = new JSON.Obj();
  const keys = configDefaults.keys;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const text = hostCall("config_get", new JSON.Obj().set("key", key));
    const answer: JSON.Obj | null = text == null ? null : JSON.parseObj(text);
    const value: JSON.Value | null = answer == null ? null : answer.get("value");
    if (value != null && !value.isNullValue) out.set(key, value);
    else {
      const fallback = configDefaults.get(key);
      if (fallback != null && !fallback.isNullValue) out.set(key, fallback);
    }
  }
  return out;
}

function routeEnvelope(env: JSON.Obj, flat: JSON.Obj, info: JSON.Obj): void {
  const method = flat.getString("_method").toUpperCase();
  const path = flat.getString("_path");
  env.set("method", method).set("path", path);
  const params = matchRoute(info.getArr("routes"), method, path);
  const query = new JSON.Obj();
  const body = new JSON.Obj();
  const keys = flat.keys;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key.startsWith("_") || params.has(key)) continue;
    const value = flat.get(key)!;
    body.set(key, value);
    query.set(key, queryText(value));
  }
  env.set("params", params).set("query", query).set("headers", new JSON.Obj());
  // GoatFlow passes a JSON object body as keys (and any other body not at all): they become the body again.
  if (method != "GET" && method != "HEAD" && body.size > 0) env.set("body", body.stringify());
  if (flat.has("_user_id")) {
    let role = flat.getString("_user_role").toLowerCase();
    if (flat.getBool("_is_admin")) role = "admin";
    else if (role != "customer" && role != "admin") role = "agent";
    const user = new JSON.Obj()
      .set("id", flat.getInt("_user_id"))
      .set("login", flat.getString("_user_login"))
      .set("email", flat.getString("_user_email"))
      .set("role", role);
    env.set("user", user);
  }
}

/** A query value as our envelope has it: text (a repeated parameter, a list on GoatFlow, gives its first value). */
function queryText(value: JSON.Value): string {
  if (value.isString) return value.asString();
  const arr = value.asArr();
  if (arr != null) return arr.length > 0 ? queryText(arr.at(0)!) : "";
  return value.stringify();
}

/** The `:params` of the first of `routes` whose method and pattern match. */
function matchRoute(routes: JSON.Arr | null, method: string, path: string): JSON.Obj {
  const params = new JSON.Obj();
  if (routes == null) return params;
  const parts = path.split("/");
  for (let r = 0; r < routes.length; r++) {
    const route = routes.at(r)!.asObj();
    if (route == null || route.getString("method") != method) continue;
    const pattern = route.getString("path").split("/");
    if (pattern.length != parts.length) continue;
    const found = new JSON.Obj();
    let ok = true;
    for (let i = 0; i < pattern.length && ok; i++) {
      const segment = pattern[i];
      if (segment.startsWith(":")) found.set(segment.substring(1), decodeURIComponent(parts[i]));
      else ok = segment == parts[i];
    }
    if (ok) return found;
  }
  return params;
}

/**
 * Translates a handler's result to what GoatFlow serves: a widget answers `{"html"}`, a route's
 * HTML `{"html", "raw": true}`, JSON stays as it is. What GoatFlow cannot express is logged:
 * a `gk_response`'s status and headers are dropped, and a `gk_template` becomes an error.
 */
export function finishGoatflow(result: u64): u64 {
  const text = copyString(result);
  if (kind == "job") {
    // GoatFlow discards a job's result: an error answer must fail the call to be seen (and retried here).
    const failed: JSON.Obj | null = text != null && text.startsWith("{") ? JSON.parseObj(text) : null;
    if (failed != null && failed.has("error")) {
      log("error", "job " + handlerName + " failed: " + failed.getString("error") + (failed.has("code") ? " (" + failed.getString("code") + ")" : ""), null);
      unreachable();
    }
    return result;
  }
  if (text == null) return kind == "widget" ? packResult("{\"html\":\"\"}") : 0;
  const parsed: JSON.Obj | null = text.startsWith("{") ? JSON.parseObj(text) : null;
  if (parsed != null && parsed.has("gk_template")) {
    const template = parsed.getObj("gk_template");
    const name = template == null ? "" : template.getString("name");
    const message = "handler " + handlerName + " answered with the template " + name + " (gk_template), which GoatFlow cannot render; render the HTML in the handler";
    log("error", message, null);
    return packResult(new JSON.Obj().set("error", message).set("code", "E_UNSUPPORTED").stringify());
  }
  let body = text;
  let json = parsed != null || text.startsWith("[");
  if (parsed != null && parsed.has("gk_response")) {
    const res = parsed.getObj("gk_response");
    const unwrapped = unwrap(res == null ? new JSON.Obj() : res);
    body = unwrapped.body;
    json = unwrapped.json;
  }
  if (kind == "widget") return packResult(new JSON.Obj().set("html", body).stringify());
  if (kind == "route" && !json) return packResult(new JSON.Obj().set("html", body).set("raw", true).stringify());
  return body == text ? result : packResult(body);
}

class Unwrapped {
  constructor(
    readonly body: string,
    readonly json: bool,
  ) {}
}

const warned = new Set<string>();

/** A `gk_response`'s body; its status and headers cannot reach GoatFlow, which the log says. */
function unwrap(res: JSON.Obj): Unwrapped {
  const status = res.getInt("status", 200);
  const headers = res.getObj("headers");
  const contentType = headers == null ? "" : headers.getString("content-type").toLowerCase();
  const others = headers == null ? 0 : headers.size - (headers.has("content-type") ? 1 : 0);
  // Once per handler and instance: enough to be seen, without a line on every call.
  if ((status != 200 || others > 0) && !warned.has(handlerName)) {
    warned.add(handlerName);
    log("warn", "handler " + handlerName + " answered status " + status.toString() + (others > 0 ? " with headers" : "") + "; GoatFlow answers 200 without them", null);
  }
  return new Unwrapped(res.getString("body"), contentType.includes("json"));
}
