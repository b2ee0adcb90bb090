import { PluginCallError } from "./plugin-call-error.js";

const encoder = new TextEncoder();

/** Refuses a result above the plugin's `limits.max_result_bytes`, whatever the binding. */
export function checkResultSize(what: string, byteLength: number, maxResultBytes: number): void {
  if (byteLength > maxResultBytes) {
    throw new PluginCallError("E_RESULT_TOO_LARGE", `${what} returned ${byteLength} bytes, more than the limit of ${maxResultBytes}; raise limits.max_result_bytes or return less`);
  }
}

/** A handler's result text as the bytes the host reads ("" is "nothing"), within the result cap. */
export function resultBytes(handler: string, text: string, maxResultBytes: number): Uint8Array | null {
  if (text === "") return null;
  const bytes = encoder.encode(text);
  checkResultSize(handler, bytes.byteLength, maxResultBytes);
  return bytes;
}
