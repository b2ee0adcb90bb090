/**
 * Packs a bundled plugin script into its QuickJS-binding artifact: a WebAssembly module with no
 * code, memory or imports, only two custom sections (the description and the script). It stays
 * a `.wasm` so that everything that handles plugins (detection, inspection, zip packages,
 * integrity hashes, signatures) handles it unchanged; the host runs the script on its shared
 * engine (docs/abi.md, "The QuickJS binding").
 */
import { ABI_VERSION, QUICKJS_CODE_SECTION, QUICKJS_SECTION, type QuickjsPluginMeta } from "../abi.js";
import { concatBytes, writeU32 } from "../wasm-encoding.js";

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const encoder = new TextEncoder();

export function quickjsModule(script: string, handlers: readonly string[]): Uint8Array {
  const meta: QuickjsPluginMeta = { abi: ABI_VERSION, engine: "quickjs-ng", handlers: [...handlers] };
  const parts = [Uint8Array.from(HEADER), customSection(QUICKJS_SECTION, encoder.encode(JSON.stringify(meta))), customSection(QUICKJS_CODE_SECTION, encoder.encode(script))];
  return concatBytes(parts);
}

/** Section id 0, then the LEB128 size of (name length, name, payload). */
function customSection(name: string, payload: Uint8Array): Uint8Array {
  const nameBytes = encoder.encode(name);
  const body = [...writeU32(nameBytes.byteLength), ...nameBytes];
  const size = writeU32(body.length + payload.byteLength);
  const out = new Uint8Array(1 + size.length + body.length + payload.byteLength);
  out.set([0, ...size], 0);
  out.set(body, 1 + size.length);
  out.set(payload, 1 + size.length + body.length);
  return out;
}

