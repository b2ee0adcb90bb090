import { randomFillSync } from "node:crypto";
import { HostCallError } from "../host-functions/host-call-error.js";
import { GoatKitError, messageOf } from "../errors.js";
import { jsonBytesOf, jsonValueOf, type GuestHostCalls } from "../host-functions/host-function-table.js";
import type { ExecResult, HttpResponseSpec, MaybePromise } from "../services/types.js";
import { PluginCallError } from "./plugin-call-error.js";

/**
 * GoatFlow's WebAssembly ABI (docs/goatflow.md): `gk_call(name, args) -> i64` dispatches every
 * handler, `gk_malloc`/`gk_free` manage guest memory, `gk.host_call` carries every host function
 * as JSON by name, and the module runs under WASI preview1.
 */
export const GOATFLOW_MODULE = "gk";
export const WASI_MODULE = "wasi_snapshot_preview1";

/** The parts of the request envelope (docs/envelopes.md) a GoatFlow call needs. */
export interface GoatflowCall {
  kind: string;
  method?: string;
  path?: string;
  params?: Record<string, unknown>;
  query?: Record<string, unknown>;
  body?: string;
  user?: { id: number; login: string; email: string; role: string } | null;
  config?: Record<string, unknown>;
  i18n?: Record<string, string>;
}

/** What the imports need from the instance that owns them. */
export interface GoatflowGuest {
  readBytes(ptr: number, len: number): Uint8Array;
  /** Allocates through `gk_malloc` and copies in (never freed: GoatFlow does not free host_call results either). */
  writeBytes(bytes: Uint8Array): { ptr: number; len: number };
  /** Copies bytes to a guest address, checking the range. */
  writeAt(ptr: number, bytes: Uint8Array): void;
  /** The call being served (its config and translations), or null between calls. */
  readonly current: GoatflowCall | null;
}

/** Thrown by `proc_exit`: ends the call like a trap. */
export class GuestExit extends GoatKitError {
  constructor(message: string) {
    super("E_TRAP", message);
    this.name = "GuestExit";
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();
const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

/**
 * The flat argument object GoatFlow passes to a route handler: route params, then query, then the
 * keys of a JSON object body, then `_method`, `_path` and the user's `_user_*` and `_is_admin`
 * (later keys win). Widgets get `{}`; a function its JSON object of arguments; a function called
 * by name (another plugin's plugin_call, `gk plugin call`) its JSON body as it is; jobs and
 * everything else get nothing.
 */
export function goatflowArgs(call: GoatflowCall): Uint8Array | null {
  if (call.kind === "widget") return encoder.encode("{}");
  // A function's arguments, as GoatFlow's templates pass them (`.Call(fn, arg)`).
  if (call.kind === "function") return isJsonObject(call.body) ? encoder.encode(call.body!) : null;
  if (call.kind === "call") return call.body ? encoder.encode(call.body) : null;
  if (call.kind !== "route") return null;
  const args: Record<string, unknown> = { ...call.params, ...call.query };
  const body = parseJson(call.body ?? "");
  if (body !== null && typeof body === "object" && !Array.isArray(body)) Object.assign(args, body);
  args._method = call.method ?? "GET";
  args._path = call.path ?? "";
  if (call.user) {
    args._user_id = call.user.id;
    args._user_email = call.user.email;
    args._user_login = call.user.login;
    args._user_role = call.user.role;
    args._is_admin = call.user.role === "admin";
  }
  return encoder.encode(JSON.stringify(args));
}

/**
 * A GoatFlow result as our result envelope (docs/envelopes.md), so it is served like any other:
 * a route's bytes are a 200 JSON answer, or a page when they are an object with a string `html`
 * (a guest's own `{"error"}` stays an ordinary 200, as on GoatFlow); a widget must answer
 * `{"html"}` and is unwrapped; a job's result is discarded.
 */
export function goatflowResult(call: GoatflowCall, handler: string, result: Uint8Array | null): Uint8Array | null {
  if (call.kind === "job") return null;
  if (call.kind === "widget") {
    const parsed = result === null ? null : parseJson(decode(result));
    const html = parsed !== null && typeof parsed === "object" ? (parsed as { html?: unknown }).html : undefined;
    if (typeof html !== "string") throw new PluginCallError("E_BAD_RESULT", `widget handler "${handler}" must answer {"html": "..."} (GoatFlow's widget result); it answered ${result === null ? "nothing" : "something else"}`);
    return encoder.encode(html);
  }
  if (call.kind !== "route" && call.kind !== "call") return result;
  if (result === null || result.byteLength === 0) return encoder.encode(JSON.stringify({ gk_response: { status: 200, headers: { "content-type": "application/json" }, body: "" } }));
  const text = decode(result);
  const object = /^\s*\{/.test(text);
  // A function's result that is not an object cannot be read as one of our envelopes: it passes as it is.
  if (call.kind === "call" && !object) return result;
  const parsed = object ? parseJson(text) : null;
  // A function's result is passed on as it is (plugin_call answers the target's raw result).
  const html = call.kind === "route" && parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as { html?: unknown }).html : undefined;
  const response =
    typeof html === "string" ? { status: 200, headers: { "content-type": "text/html; charset=utf-8" }, body: html } : { status: 200, headers: { "content-type": "application/json" }, body: text };
  return encoder.encode(JSON.stringify({ gk_response: response }));
}

type Imports = Record<string, Record<string, WebAssembly.ImportValue>>;
type HostFn = (request: Record<string, unknown>, call: GoatflowCall | null) => MaybePromise<unknown>;

/** Builds `gk` and `wasi_snapshot_preview1` for exactly what the module imports. */
/** `now` is the host clock (a test host controls it), which WASI's wall clock reads. */
export function goatflowImports(module: WebAssembly.Module, calls: GuestHostCalls, guest: () => GoatflowGuest, now: () => number = Date.now): Imports {
  const read = (ptr: number, len: number): string => (len === 0 ? "" : decode(guest().readBytes(ptr >>> 0, len >>> 0)));
  const functions = hostFunctions(calls);
  const gk: Record<string, WebAssembly.ImportValue> = {
    // A failure answers 0 as on GoatFlow; unlike GoatFlow, the reason goes to the plugin's log.
    host_call: (fnPtr: number, fnLen: number, argsPtr: number, argsLen: number): bigint => {
      let name = "(unreadable)";
      try {
        name = read(fnPtr, fnLen);
        const fn = Object.hasOwn(functions, name) ? functions[name] : undefined;
        if (!fn) throw new HostCallError("E_INVALID_ARGUMENT", `there is no host function "${name}"; GoatFlow's are ${Object.keys(functions).join(", ")}`);
        const text = read(argsPtr, argsLen);
        const request = text === "" ? {} : parseJson(text);
        if (request === null || typeof request !== "object" || Array.isArray(request)) throw new HostCallError("E_INVALID_ARGUMENT", "the arguments are not a JSON object");
        const value = fn(request as Record<string, unknown>, guest().current);
        if (value instanceof Promise) {
          value.catch(() => {});
          throw new HostCallError("E_SERVICE", "it needs an asynchronous service, which in-process plugins cannot wait for; run the plugin isolated (the default)");
        }
        const bytes = value instanceof Uint8Array ? value : jsonBytesOf(value);
        const { ptr, len } = guest().writeBytes(bytes);
        return (BigInt(ptr) << 32n) | BigInt(len);
      } catch (error) {
        // A trap inside the guest's own gk_malloc ends the call; only the host function's failure answers 0.
        if (error instanceof GuestExit || error instanceof WebAssembly.RuntimeError || error instanceof RangeError) throw error;
        calls.log("error", `host_call ${name} failed: ${messageOf(error)}`, JSON.stringify({ function: name, code: error instanceof HostCallError ? error.code : "E_SERVICE" }));
        return 0n;
      }
    },
    log: (level: number, ptr: number, len: number): void => {
      let message: string;
      try {
        message = read(ptr, len);
      } catch (error) {
        message = `(unreadable log message: ${messageOf(error)})`;
      }
      calls.log(LOG_LEVELS[level] ?? "info", message, "");
    },
  };
  const wasi = wasiPreview1(calls, guest, now);
  const imports: Imports = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    const value = imp.module === GOATFLOW_MODULE ? gk[imp.name] : imp.module === WASI_MODULE ? (wasi[imp.name] ?? wasiUnsupported) : undefined;
    if (value === undefined || imp.kind !== "function") {
      throw new PluginCallError("E_UNKNOWN_IMPORT", `the module imports ${imp.kind} "${imp.module}.${imp.name}", which GoatFlow's ABI does not provide (gk.host_call, gk.log and wasi_snapshot_preview1 functions)`);
    }
    (imports[imp.module] ??= {})[imp.name] = value;
  }
  return imports;
}

/** GoatFlow's host functions by name, onto ours (and their permission checks). */
function hostFunctions(calls: GuestHostCalls): Record<string, HostFn> {
  const str = (request: Record<string, unknown>, key: string, required = true): string => {
    const value = request[key];
    if (typeof value === "string") return value;
    if (value === undefined && !required) return "";
    throw new HostCallError("E_INVALID_ARGUMENT", `"${key}" must be a string`);
  };
  const query = (request: Record<string, unknown>): string => {
    const sql = str(request, "query");
    if (sql.startsWith("@db:")) throw new HostCallError("E_INVALID_ARGUMENT", "named databases (@db:) are not available on this host; query the host's database");
    return sql;
  };
  const then = <T, R>(value: MaybePromise<T>, fn: (v: T) => R): MaybePromise<R> => (value instanceof Promise ? value.then(fn) : fn(value));
  return {
    // The rows' JSON text as it is (a worker gets it from the host without parsing it).
    db_query: (r) => then(calls.call("db_query", [query(r), JSON.stringify(r.args ?? [])]), jsonBytesOf),
    db_exec: (r) => then(calls.call("db_exec", [query(r), JSON.stringify(r.args ?? [])]), (result) => ({ affected: (jsonValueOf(result) as ExecResult).rows_affected })),
    cache_get: (r) =>
      then(calls.call("cache_get", [str(r, "key")]) as MaybePromise<Uint8Array | null>, (value) => ({ value: value === null ? null : Buffer.from(value).toString("base64"), found: value !== null })),
    cache_set: (r) => {
      const ttl = r.ttl === undefined ? 0 : r.ttl;
      if (typeof ttl !== "number" || !Number.isInteger(ttl) || ttl < 0) throw new HostCallError("E_INVALID_ARGUMENT", '"ttl" must be a whole number of seconds');
      return then(calls.call("cache_set", [str(r, "key"), base64(r.value, "value"), ttl]), () => ({ ok: true }));
    },
    http_request: (r) => {
      const body = r.body === undefined || r.body === null ? "" : Buffer.from(base64(r.body, "body")).toString("utf8");
      return then(calls.call("http_request", [str(r, "method", false) || "GET", str(r, "url"), JSON.stringify(r.headers ?? {}), body]), (result) => {
        const response = jsonValueOf(result) as HttpResponseSpec;
        return {
        status: response.status,
          body: response.body_base64 ?? Buffer.from(response.body ?? "", "utf8").toString("base64"),
        };
      });
    },
    send_email: (r) => {
      if (r.html !== undefined && typeof r.html !== "boolean") throw new HostCallError("E_INVALID_ARGUMENT", '"html" must be true or false');
      return then(calls.call("send_email", [str(r, "to"), str(r, "subject"), str(r, "body", false), "", r.html === true]), () => ({ ok: true }));
    },
    config_get: (r, call) => {
      const key = str(r, "key");
      const config = call?.config ?? {};
      if (!Object.hasOwn(config, key)) throw new HostCallError("E_INVALID_ARGUMENT", `the plugin's configuration has no "${key}"`);
      return { value: config[key] };
    },
    translate: (r, call) => {
      const key = str(r, "key");
      let value = call?.i18n && Object.hasOwn(call.i18n, key) ? call.i18n[key]! : key;
      const args = Array.isArray(r.args) ? r.args : [];
      // Go's fmt verbs in order, as GoatFlow's translations use them.
      let i = 0;
      value = value.replace(/%[vsdqf]/g, (verb) => (i < args.length ? String(args[i++]) : verb));
      return { value };
    },
    // The target's result as it is: bytes, not JSON re-encoded.
    plugin_call: (r) => then(calls.call("plugin_call", [str(r, "plugin"), str(r, "function"), r.args === undefined || r.args === null ? "" : JSON.stringify(r.args)]), (text) => encoder.encode(text as string)),
    publish_event: (r) => {
      calls.call("publish_event", [str(r, "event_type"), r.data === undefined ? "" : JSON.stringify(r.data)]);
      return { status: "ok" };
    },
  };
}

function base64(value: unknown, key: string): Uint8Array {
  if (value === null || value === undefined) return new Uint8Array();
  if (typeof value !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw new HostCallError("E_INVALID_ARGUMENT", `"${key}" must be base64 (GoatFlow sends bytes as base64)`);
  return new Uint8Array(Buffer.from(value, "base64"));
}

// WASI preview1 errno values.
const ESUCCESS = 0;
const EBADF = 8;
const EINVAL = 28;
const ENOSYS = 52;
const ESPIPE = 70;

/** A function the module imports from WASI that this host does not implement: it answers ENOSYS. */
function wasiUnsupported(): number {
  return ENOSYS;
}

/**
 * WASI preview1 with no files, no environment and no arguments: stdout and stderr go to the
 * plugin's log (one entry per line of each write), clocks are the real ones and `random_get` is the system's random source.
 */
function wasiPreview1(calls: GuestHostCalls, guest: () => GoatflowGuest, now: () => number): Record<string, WebAssembly.ImportValue> {
  const write = (ptr: number, bytes: Uint8Array): void => guest().writeAt(ptr >>> 0, bytes);
  const u32 = (value: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value, true);
    return b;
  };
  const u64 = (value: bigint) => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, value, true);
    return b;
  };
  // Each write is logged as it comes, a line per entry: nothing is held between writes or calls,
  // so a guest that never writes a newline cannot grow a buffer here.
  const flush = (fd: number, text: string) => {
    const lines = text.split("\n");
    if (lines.at(-1) === "") lines.pop();
    for (const line of lines) calls.log(fd === 2 ? "warn" : "info", line, JSON.stringify({ stream: fd === 2 ? "stderr" : "stdout" }));
  };
  const start = process.hrtime.bigint();
  return {
    fd_write: (fd: number, iovs: number, iovsLen: number, nwritten: number): number => {
      if (fd !== 1 && fd !== 2) return EBADF;
      let total = 0;
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < iovsLen; i++) {
        const entry = new DataView(guest().readBytes((iovs >>> 0) + i * 8, 8).buffer);
        const bytes = guest().readBytes(entry.getUint32(0, true), entry.getUint32(4, true));
        chunks.push(bytes);
        total += bytes.byteLength;
      }
      flush(fd, Buffer.concat(chunks).toString("utf8"));
      write(nwritten, u32(total));
      return ESUCCESS;
    },
    fd_read: () => EBADF,
    fd_close: () => EBADF,
    fd_seek: (fd: number) => (fd <= 2 ? ESPIPE : EBADF),
    fd_fdstat_get: (fd: number, ptr: number): number => {
      if (fd > 2) return EBADF;
      // filetype character device (2), no flags, no rights: a terminal-like stream.
      write(ptr, new Uint8Array(24).fill(0).map((_, i) => (i === 0 ? 2 : 0)));
      return ESUCCESS;
    },
    fd_prestat_get: () => EBADF,
    fd_prestat_dir_name: () => EBADF,
    environ_sizes_get: (count: number, size: number): number => {
      write(count, u32(0));
      write(size, u32(0));
      return ESUCCESS;
    },
    environ_get: () => ESUCCESS,
    args_sizes_get: (count: number, size: number): number => {
      write(count, u32(0));
      write(size, u32(0));
      return ESUCCESS;
    },
    args_get: () => ESUCCESS,
    clock_res_get: (_id: number, ptr: number): number => {
      write(ptr, u64(1000n));
      return ESUCCESS;
    },
    clock_time_get: (id: number, _precision: bigint, ptr: number): number => {
      if (id === 0) write(ptr, u64(BigInt(Math.floor(now())) * 1_000_000n));
      else if (id === 1 || id === 2 || id === 3) write(ptr, u64(process.hrtime.bigint() - start));
      else return EINVAL;
      return ESUCCESS;
    },
    random_get: (ptr: number, len: number): number => {
      write(ptr, randomFillSync(new Uint8Array(len >>> 0)));
      return ESUCCESS;
    },
    sched_yield: () => ESUCCESS,
    proc_exit: (code: number): never => {
      throw new GuestExit(`the plugin called proc_exit(${code})`);
    },
  };
}

function decode(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new HostCallError("E_INVALID_ARGUMENT", "the bytes are not valid UTF-8");
  }
}

function isJsonObject(text: string | undefined): boolean {
  const value = text === undefined || text === "" ? null : parseJson(text);
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
