import { readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";

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
