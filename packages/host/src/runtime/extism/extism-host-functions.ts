/**
 * The GoatKit host functions in `extism:host/user` (docs/wit.md, "Extism"): the core ABI's
 * functions with each `(ptr, len)` pair replaced by one Extism memory offset (0 for none) and
 * each packed result by an offset (0 for nothing). Only marshalling: HostCalls does the work.
 */
import type { HostFunctionName } from "@goatkit/sdk/abi";
import type { CallContext } from "@extism/extism";
import { HostCallError } from "../../host-functions/host-call-error.js";
import type { GuestHostCalls } from "../../host-functions/host-calls.js";
import type { MaybePromise } from "../../services/types.js";
import { hostCallNow } from "../in-process-host-call.js";

/** The namespace Extism plugins import host functions from. */
export const EXTISM_USER_NAMESPACE = "extism:host/user";

type HostFunction = (cx: CallContext, ...args: (bigint | number)[]) => bigint | number | void;

function block(cx: CallContext, offset: bigint | number, what: string): Uint8Array {
  if (BigInt(offset) === 0n) return new Uint8Array();
  const data = cx.read(offset);
  if (data === null) throw new HostCallError("E_INVALID_ARGUMENT", `${what} is not an Extism memory block (offset ${offset})`);
  return data.bytes();
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function text(cx: CallContext, offset: bigint | number, what: string): string {
  try {
    return utf8.decode(block(cx, offset, what));
  } catch (error) {
    if (error instanceof HostCallError) throw error;
    throw new HostCallError("E_INVALID_ARGUMENT", `${what} is not valid UTF-8`);
  }
}

/**
 * The bytes in a buffer of their own: Extism stores a Uint8Array by its whole ArrayBuffer,
 * ignoring the view's offset and length, and bytes from a plugin worker's channel view part of a
 * larger buffer.
 */
export function ownBuffer(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

export function extismHostFunctions(calls: GuestHostCalls): Record<HostFunctionName, HostFunction> {
  const store = (cx: CallContext, value: unknown) => cx.store(JSON.stringify(value));
  // Functions answering JSON answer the error envelope on failure, as in the core ABI.
  const json = (fn: HostFunctionName, cx: CallContext, body: () => MaybePromise<unknown>): bigint => {
    try {
      return store(cx, hostCallNow(calls, fn, body));
    } catch (error) {
      return store(cx, (error as HostCallError).envelope);
    }
  };
  const code = (fn: HostFunctionName, body: () => MaybePromise<unknown>): number => {
    try {
      hostCallNow(calls, fn, body);
      return 0;
    } catch (error) {
      return (error as HostCallError).numericCode;
    }
  };
  // Arguments are read inside the call, so a bad offset is that call's E_INVALID_ARGUMENT.
  return {
    db_query: (cx, q, a) => json("db_query", cx, () => calls.dbQuery(text(cx, q!, "sql"), text(cx, a!, "args"))),
    db_exec: (cx, q, a) => json("db_exec", cx, () => calls.dbExec(text(cx, q!, "sql"), text(cx, a!, "args"))),
    cache_get: (cx, k) => {
      try {
        const value = hostCallNow(calls, "cache_get", () => calls.cacheGet(text(cx, k!, "key")));
        return value === null ? 0n : cx.store(ownBuffer(value));
      } catch {
        return 0n; // a failure, told apart from a miss by last_error
      }
    },
    cache_set: (cx, k, v, ttl) => code("cache_set", () => calls.cacheSet(text(cx, k!, "key"), block(cx, v!, "value"), Number(ttl) >>> 0)),
    cache_delete: (cx, k) => code("cache_delete", () => calls.cacheDelete(text(cx, k!, "key"))),
    http_request: (cx, m, u, h, b) =>
      json("http_request", cx, () => calls.httpRequest(text(cx, m!, "method"), text(cx, u!, "url"), text(cx, h!, "headers"), text(cx, b!, "body"))),
    send_email: (cx, t, s, b, a) =>
      json("send_email", cx, () => calls.sendEmail(text(cx, t!, "to"), text(cx, s!, "subject"), text(cx, b!, "body"), text(cx, a!, "attachments"))),
    schedule_job: (cx, c, h, p) => json("schedule_job", cx, () => calls.scheduleJob(text(cx, c!, "cron"), text(cx, h!, "handler"), text(cx, p!, "payload"))),
    log: (cx, l, m, f) => {
      let level = "info";
      let message = "";
      let fields = "";
      try {
        level = text(cx, l!, "level");
        message = text(cx, m!, "message");
        fields = text(cx, f!, "fields");
      } catch (error) {
        message ||= `(unreadable log message: ${(error as Error).message})`;
      }
      calls.log(level, message, fields);
    },
    last_error: (cx) => (calls.lastError ? store(cx, calls.lastError) : 0n),
  };
}
