/**
 * Tables the GoatFlow engine loads on first use (goatflow-engine/lazy-tables.c, gk_load_lazy_data).
 * Each new instance pays for every page of the snapshot's data, and about 51 KB of the engine's
 * data are tables that most calls never read (libunicode's and libm's). The engine names them in
 * its custom section goatkit.lazy_data: `{ loader, ranges: [[start, end], ...] }`. Here, in the
 * snapshot, each range's bytes move out of the active data into a passive segment, and the
 * loader (exported under that name) gets a body that copies them back the first time it runs:
 *
 *   block
 *     global.get $loaded  br_if 0          (a new global, 0 in every new instance)
 *     i32.const 1  global.set $loaded
 *     memory.init $segment (start, 0, length)  data.drop $segment      for each range
 *   end
 *
 * The export and the custom section are removed: the module exports GoatFlow's ABI alone.
 */
import { concatBytes, readU32, SECTION, writeI32, writeU32 } from "../../wasm-encoding.js";
import { activeSegments, section, sections, type Section, type Segment } from "./data-segments.js";

export const LAZY_DATA_SECTION = "goatkit.lazy_data";

interface LazyData {
  loader: string;
  ranges: [number, number][];
}

/** The module with the engine's lazy data in passive segments, copied in on first use. */
export function deferLazyData(module: Uint8Array): Uint8Array {
  const list = sections(module);
  const custom = list.find((s) => s.id === SECTION.custom && customName(module, s) === LAZY_DATA_SECTION);
  if (!custom) return module;
  const fail = (what: string): never => {
    throw new Error(`the GoatFlow engine's snapshot is not as its lazy data expects: ${what}`);
  };
  const lazy = JSON.parse(new TextDecoder().decode(customPayload(module, custom))) as LazyData;
  const find = (id: number) => list.find((s) => s.id === id) ?? fail(`no section ${id}`);
  const data = find(SECTION.data);
  const segments = activeSegments(module, data) ?? fail("a data segment that is not active");

  // The ranges' bytes as the snapshot holds them (zero where Wizer wrote no segment), and the
  // active segments without them.
  const passive = lazy.ranges.map(([start, end]) => {
    const bytes = new Uint8Array(end - start);
    for (const s of segments) {
      const from = Math.max(start, s.offset);
      const to = Math.min(end, s.offset + s.bytes.length);
      if (from < to) bytes.set(s.bytes.subarray(from - s.offset, to - s.offset), from - start);
    }
    return { start, bytes };
  });
  let active: Segment[] = segments;
  for (const [start, end] of lazy.ranges) active = active.flatMap((s) => cut(s, start, end));

  const imported = importCounts(module, list.find((s) => s.id === SECTION.import));
  const exports = readExports(module, find(SECTION.export));
  const loader = exports.find((e) => e.name === lazy.loader && e.kind === 0) ?? fail(`no exported function ${lazy.loader}`);
  const loaderBody = loader.index - imported.functions;
  if (!isVoidToVoid(module, find(SECTION.type), find(SECTION.function), loaderBody)) fail(`${lazy.loader} is not () -> ()`);

  // The new global, after the module's own.
  const globals = find(SECTION.global);
  const [globalCount, globalsAt] = readU32(module, globals.bodyStart);
  const loaded = imported.globals + globalCount;
  const globalBody = [Uint8Array.from([...writeU32(globalCount + 1)]), module.subarray(globalsAt, globals.end), Uint8Array.from([0x7f, 0x01, 0x41, 0x00, 0x0b])];

  const firstPassive = active.length;
  const body: number[] = [0x00, 0x02, 0x40, 0x23, ...writeU32(loaded), 0x0d, 0x00, 0x41, 0x01, 0x24, ...writeU32(loaded)];
  passive.forEach((p, k) => {
    const segment = writeU32(firstPassive + k);
    body.push(0x41, ...writeI32(p.start), 0x41, 0x00, 0x41, ...writeI32(p.bytes.length), 0xfc, 0x08, ...segment, 0x00, 0xfc, 0x09, ...segment);
  });
  body.push(0x0b, 0x0b);
  const codeBody = replaceFunctionBody(module, find(SECTION.code), loaderBody, Uint8Array.from(body));

  const dataBody: Uint8Array[] = [Uint8Array.from(writeU32(active.length + passive.length))];
  for (const s of active) dataBody.push(Uint8Array.from([0, 0x41, ...writeI32(s.offset | 0), 0x0b, ...writeU32(s.bytes.length)]), s.bytes);
  for (const p of passive) dataBody.push(Uint8Array.from([1, ...writeU32(p.bytes.length)]), p.bytes);
  const dataCount = section(SECTION.dataCount, [Uint8Array.from(writeU32(active.length + passive.length))]);

  const parts: Uint8Array[] = [module.subarray(0, 8)];
  for (const s of list) {
    if (s === custom || s.id === SECTION.dataCount) continue;
    if (s.id === SECTION.code) parts.push(...dataCount, ...section(SECTION.code, codeBody));
    else if (s.id === SECTION.data) parts.push(...section(SECTION.data, dataBody));
    else if (s.id === SECTION.global) parts.push(...section(SECTION.global, globalBody));
    else if (s.id === SECTION.export) parts.push(...section(SECTION.export, writeExports(exports.filter((e) => e !== loader))));
    else parts.push(module.subarray(s.start, s.end));
  }
  return concatBytes(parts);
}

function customName(module: Uint8Array, s: Section): string {
  const [length, at] = readU32(module, s.bodyStart);
  return new TextDecoder().decode(module.subarray(at, at + length));
}

function customPayload(module: Uint8Array, s: Section): Uint8Array {
  const [length, at] = readU32(module, s.bodyStart);
  return module.subarray(at + length, s.end);
}

/** The segment without the bytes in [start, end). */
function cut(s: Segment, start: number, end: number): Segment[] {
  const last = s.offset + s.bytes.length;
  if (last <= start || s.offset >= end) return [s];
  const kept: Segment[] = [];
  if (s.offset < start) kept.push({ offset: s.offset, bytes: s.bytes.subarray(0, start - s.offset) });
  if (last > end) kept.push({ offset: end, bytes: s.bytes.subarray(end - s.offset) });
  return kept;
}

/** How many functions and globals the module imports. */
function importCounts(module: Uint8Array, imports: Section | undefined): { functions: number; globals: number } {
  const counts = { functions: 0, globals: 0 };
  if (!imports) return counts;
  let [count, pos] = readU32(module, imports.bodyStart);
  for (; count > 0; count--) {
    for (let name = 0; name < 2; name++) {
      const [length, at] = readU32(module, pos);
      pos = at + length;
    }
    const kind = module[pos++]!;
    if (kind === 0) {
      counts.functions++;
      [, pos] = readU32(module, pos); // type index
    } else if (kind === 1 || kind === 2) {
      if (kind === 1) pos++; // reference type
      const flags = module[pos++]!;
      [, pos] = readU32(module, pos);
      if (flags & 1) [, pos] = readU32(module, pos);
    } else if (kind === 3) {
      counts.globals++;
      pos += 2; // value type, mutability
    } else throw new Error(`an import of kind ${kind}`);
  }
  return counts;
}

interface Export {
  name: string;
  kind: number;
  index: number;
}

function readExports(module: Uint8Array, s: Section): Export[] {
  let [count, pos] = readU32(module, s.bodyStart);
  const out: Export[] = [];
  for (; count > 0; count--) {
    const [length, at] = readU32(module, pos);
    const name = new TextDecoder().decode(module.subarray(at, at + length));
    const kind = module[at + length]!;
    let index: number;
    [index, pos] = readU32(module, at + length + 1);
    out.push({ name, kind, index });
  }
  return out;
}

function writeExports(exports: Export[]): Uint8Array[] {
  const out: Uint8Array[] = [Uint8Array.from(writeU32(exports.length))];
  for (const e of exports) {
    const name = new TextEncoder().encode(e.name);
    out.push(Uint8Array.from(writeU32(name.length)), name, Uint8Array.from([e.kind, ...writeU32(e.index)]));
  }
  return out;
}

/** Whether the `index`th defined function takes and returns nothing. */
function isVoidToVoid(module: Uint8Array, types: Section, functions: Section, index: number): boolean {
  let [count, pos] = readU32(module, functions.bodyStart);
  if (index < 0 || index >= count) return false;
  let typeIndex = 0;
  for (let i = 0; i <= index; i++) [typeIndex, pos] = readU32(module, pos);
  [count, pos] = readU32(module, types.bodyStart);
  for (let i = 0; i < count; i++) {
    if (module[pos++] !== 0x60) return false;
    const [params, afterParams] = readU32(module, pos);
    const [results, afterResults] = readU32(module, afterParams + params);
    if (i === typeIndex) return params === 0 && results === 0;
    pos = afterResults + results;
  }
  return false;
}

/** The code section's body with the `index`th function's body replaced. */
function replaceFunctionBody(module: Uint8Array, code: Section, index: number, body: Uint8Array): Uint8Array[] {
  const [count, first] = readU32(module, code.bodyStart);
  let pos = first;
  for (let i = 0; i < index; i++) {
    const [size, at] = readU32(module, pos);
    pos = at + size;
  }
  const [size, at] = readU32(module, pos);
  return [Uint8Array.from(writeU32(count)), module.subarray(first, pos), Uint8Array.from(writeU32(body.length)), body, module.subarray(at + size, code.end)];
}
