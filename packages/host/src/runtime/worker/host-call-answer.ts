import { HostCallError } from "../../host-functions/host-call-error.js";
import { mapMaybePromise, type HostCalls } from "../../host-functions/host-calls.js";
import { hostFunction, jsonBytesOf, type HostArg } from "../../host-functions/host-function-table.js";
import type { MaybePromise } from "../../services/types.js";
import type { HostCallHeader, ReplyHeader } from "./channel.js";

const encoder = new TextEncoder();
const VOID: { header: ReplyHeader; raw: Uint8Array | null } = { header: { ok: true, kind: "void" }, raw: null };

/**
 * Runs one host function on the host thread for a worker, by its table row: arguments come back
 * to their kinds (`bytes` from the raw part), the result leaves as bytes. A `json` result is
 * stringified here, once; the worker hands that text to the guest as it is.
 */
export function answer(calls: HostCalls, request: HostCallHeader, raw: Uint8Array | null): MaybePromise<{ header: ReplyHeader; raw: Uint8Array | null }> {
  const entry = hostFunction(request.fn);
  if (!entry) throw new HostCallError("E_INVALID_ARGUMENT", `there is no host function "${String(request.fn)}"`);
  const args: HostArg[] = [];
  let at = 0;
  for (let i = 0; i < entry.args.length; i++) {
    const value = request.args[i];
    const kind = entry.args[i]!.kind;
    if (kind === "bytes") {
      const length = typeof value === "number" ? value : 0;
      args.push(raw ? raw.subarray(at, at + length) : new Uint8Array());
      at += length;
    } else if (kind === "u32") args.push(Number(value));
    else args.push(value === null ? undefined : value);
  }
  return mapMaybePromise(calls.call(entry.name, args), (value): { header: ReplyHeader; raw: Uint8Array | null } => {
    switch (entry.result) {
      case "json":
        return { header: { ok: true, kind: "json" }, raw: jsonBytesOf(value) };
      case "text":
        return { header: { ok: true, kind: "text" }, raw: encoder.encode(value as string) };
      case "bytes":
        return value === null ? { header: { ok: true, kind: "null" }, raw: null } : { header: { ok: true, kind: "bytes" }, raw: value as Uint8Array };
      default:
        return VOID;
    }
  });
}
