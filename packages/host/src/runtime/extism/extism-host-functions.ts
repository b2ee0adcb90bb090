/**
 * The GoatKit host functions in `extism:host/user` (docs/wit.md, "Extism"): the core ABI's
 * functions with each `(ptr, len)` pair replaced by one Extism memory offset (0 for none) and
 * each packed result by an offset (0 for nothing). Only marshalling: HostCalls does the work.
 */
import type { CallContext } from "@extism/extism";
import { HostCallError } from "../../host-functions/host-call-error.js";
import { ABI_HOST_FUNCTIONS, jsonBytesOf, readHostArgs, type GuestHostCalls } from "../../host-functions/host-function-table.js";
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

export function extismHostFunctions(calls: GuestHostCalls): Record<string, HostFunction> {
  const store = (cx: CallContext, value: unknown) => cx.store(ownBuffer(jsonBytesOf(value)));
  const functions: Record<string, HostFunction> = {};
  // One function per table row, each string or bytes argument an Extism offset, a u32 a number.
  // Arguments are read inside the call, so a bad offset is that call's E_INVALID_ARGUMENT.
  for (const entry of ABI_HOST_FUNCTIONS) {
    const body = (cx: CallContext, offsets: (bigint | number)[]) => () =>
      calls.call(
        entry.name,
        readHostArgs(entry, (kind, i) => {
          const name = entry.args[i]!.name;
          if (kind === "flag") return undefined;
          if (kind === "u32") return Number(offsets[i]) >>> 0;
          return kind === "string" ? text(cx, offsets[i]!, name) : block(cx, offsets[i]!, name);
        }),
      );
    functions[entry.name] = (cx, ...offsets) => {
      if (entry.result === "none") return void body(cx, offsets)();
      try {
        const value = hostCallNow(calls, entry.name, body(cx, offsets));
        if (entry.result === "json") return store(cx, value);
        if (entry.result === "bytes") return value === null ? 0n : cx.store(ownBuffer(value as Uint8Array));
        return 0;
      } catch (error) {
        // JSON functions answer the error envelope, as in the core ABI; bytes ones nothing
        // (told apart from a miss by last_error); status ones the code.
        if (entry.result === "json") return store(cx, (error as HostCallError).envelope);
        if (entry.result === "bytes") return 0n;
        return (error as HostCallError).numericCode;
      }
    };
  }
  functions.last_error = (cx) => (calls.lastError ? store(cx, calls.lastError) : 0n);
  return functions;
}
