/**
 * The memory a pre-initialised engine module declares. Wizer's snapshot declares the memory the
 * initialisation grew to, and every new instance pays for every page of it (the engine reserves
 * and accounts for the whole of it). The GoatFlow engine keeps what it no longer uses past its
 * heap zeroed and marks its heap's last byte (goatflow-engine/memory-layout.c), so the
 * memory it needs ends with the snapshot's last byte: the module declares that much, and the
 * engine grows it as its heap grows. Only for modules of that engine: another module may use
 * memory past its data without saying so.
 */
import { concatBytes, SECTION, writeU32 } from "../../wasm-encoding.js";
import { memoryLimits, PAGE } from "./checks.js";
import { activeSegments, section, sections } from "./data-segments.js";

/** The module with memory 0's minimum lowered to the pages its active data reaches (at least one). */
export function declareSnapshotMemory(module: Uint8Array): Uint8Array {
  const list = sections(module);
  const memory = list.find((s) => s.id === SECTION.memory);
  const data = list.find((s) => s.id === SECTION.data);
  // Passive segments are copied in by the engine itself, below the snapshot's end (lazy-data.ts).
  const segments = data ? activeSegments(module, data, { passive: "skip" }) : [];
  if (!memory || !segments) return module;
  const { initial, maximum } = memoryLimits(module);
  const end = segments.reduce((last, segment) => Math.max(last, segment.offset + segment.bytes.length), 0);
  const needed = Math.max(1, Math.ceil(end / PAGE));
  if (needed >= initial) return module;
  const body = Uint8Array.from([1, ...(maximum === null ? [0, ...writeU32(needed)] : [1, ...writeU32(needed), ...writeU32(maximum)])]);
  const parts: Uint8Array[] = [module.subarray(0, 8)];
  for (const s of list) parts.push(...(s === memory ? section(SECTION.memory, [body]) : [module.subarray(s.start, s.end)]));
  return concatBytes(parts);
}
