import { PluginCallError } from "../plugin-call-error.js";

const encoder = new TextEncoder();

/** A handler's result text as the bytes the host reads ("" is "nothing"), within the result cap. */
export function resultBytes(handler: string, text: string, maxResultBytes: number): Uint8Array | null {
  if (text === "") return null;
  const bytes = encoder.encode(text);
  if (bytes.byteLength > maxResultBytes) {
    throw new PluginCallError("E_RESULT_TOO_LARGE", `${handler} returned ${bytes.byteLength} bytes, more than the limit of ${maxResultBytes}; raise limits.max_result_bytes or return less`);
  }
  return bytes;
}
