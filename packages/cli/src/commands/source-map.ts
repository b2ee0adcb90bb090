import { readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { decodedMappings, originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";

/**
 * Rewrites the frames of a TypeScript plugin's stack (`plugin.js:6:682`, the bundled script the
 * shared engine runs) to the author's sources (`src/index.ts:12:11`), with the source map that
 * `gk plugin build` writes beside the module (`build/plugin.wasm.map`). Text without such frames,
 * or a module without a map, comes back unchanged.
 */
export function mapStack(text: string, modulePath: string, dir: string): string {
  if (!/plugin\.js:\d+:\d+/.test(text)) return text;
  let map: TraceMap;
  try {
    map = new TraceMap(readFileSync(`${modulePath}.map`, "utf8"), resolve(dir, "plugin.js"));
  } catch {
    return text;
  }
  return text.replace(/plugin\.js:(\d+):(\d+)/g, (frame, line: string, column: string) => {
    // QuickJS counts columns from 1, source maps from 0.
    const original = originalPositionFor(map, { line: Number(line), column: Math.max(0, Number(column) - 1) });
    if (original.source === null || original.line === null) return frame;
    return `${relative(dir, original.source)}:${original.line}:${(original.column ?? 0) + 1}`;
  });
}

interface WasmFrame {
  func: number;
  offset: number;
}

/** The frames (`{ func, offset }`) the host logs with an abort or trap (`wasm_frames`), else none. */
export function wasmFramesOf(value: unknown): WasmFrame[] {
  if (!Array.isArray(value)) return [];
  return value.filter((f): f is WasmFrame => typeof f?.func === "number" && typeof f?.offset === "number");
}

/**
 * Names the author's line of an AssemblyScript abort or trap, with the source map asc writes
 * beside the module (`--sourceMap`: `build/plugin.wasm.map`). The standard library's checks
 * (`Index out of range at ~lib/array.ts:114:42`) name their own file, so the line comes from the
 * guest's frames: the innermost one in a file that is not the standard library's (`~lib/`).
 * Inlined library code sits in the caller's function, after the caller's own instructions: the
 * nearest of those before the frame, within its function, is the author's line. The message
 * keeps its text and gets that file:line:col; without a map or an author's frame it is unchanged.
 */
export function mapWasmFrames(message: string, frames: WasmFrame[], modulePath: string): string {
  if (frames.length === 0) return message;
  let segments: { offset: number; source: string; line: number; column: number }[];
  let bodies: { start: number; end: number }[];
  try {
    const text = readFileSync(`${modulePath}.map`, "utf8");
    const { sources } = JSON.parse(text) as { sources: string[] };
    // Only asc's maps (their sources include the standard library's): a TypeScript plugin's map is its bundle's.
    if (!sources.some((source) => source.startsWith("~lib/"))) return message;
    // A WebAssembly source map has one line; its columns are byte offsets in the module.
    segments = (decodedMappings(new TraceMap(text))[0] ?? []).flatMap((s) => (s.length >= 4 ? [{ offset: s[0], source: sources[s[1]!] ?? "", line: s[2]! + 1, column: s[3]! + 1 }] : []));
    bodies = functionBodies(readFileSync(modulePath));
  } catch {
    return message;
  }
  for (const frame of frames) {
    const body = bodies[frame.func];
    // A frame outside its function's body is of another build of the module than this one.
    if (body === undefined || frame.offset < body.start || frame.offset > body.end) continue;
    const author = segments.findLast((s) => s.offset >= body.start && s.offset <= frame.offset && !s.source.startsWith("~lib/"));
    if (author === undefined) continue;
    const at = `${author.source}:${author.line}:${author.column}`;
    return / at ~lib\/\S+:\d+:\d+/.test(message) ? message.replace(/ at ~lib\/\S+:\d+:\d+/, ` at ${at}`) : `${message} at ${at}`;
  }
  return message;
}

/**
 * The byte range of each function's body in a core module, by function index (imported
 * functions, which have none, first): a frame's offset is only the author's within its function.
 */
function functionBodies(bytes: Uint8Array<ArrayBuffer>): { start: number; end: number }[] {
  const imported = WebAssembly.Module.imports(new WebAssembly.Module(bytes)).filter((i) => i.kind === "function").length;
  const out: { start: number; end: number }[] = Array.from({ length: imported }, () => ({ start: -1, end: -1 }));
  const leb = (at: number): [number, number] => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[at++]!;
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return [value, at];
      shift += 7;
    }
  };
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at]!;
    const [size, content] = leb(at + 1);
    if (id === CODE_SECTION) {
      let [count, next] = leb(content);
      for (; count > 0; count--) {
        const [length, start] = leb(next);
        out.push({ start, end: start + length });
        next = start + length;
      }
    }
    at = content + size;
  }
  return out;
}

const CODE_SECTION = 10;
