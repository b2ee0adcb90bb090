/**
 * Fewer, larger data segments for a Wizer snapshot. Wizer writes one active segment per run of
 * non-zero bytes (thousands for a QuickJS heap), and an engine spends time on each segment at
 * every instantiation. Segments closer than `maxGap` bytes are joined, the gap written as zeros:
 * with a gap below a page (4 KiB) no page of memory is touched that was not touched before, so
 * instantiation copies a few more zero bytes and does per-segment work a few dozen times instead
 * of thousands. Modules with segments of another form (passive, other memories, computed offsets)
 * are returned as they are.
 */

import { concatBytes, readI32, readU32, SECTION, writeI32, writeU32 } from "../../wasm-encoding.js";

/** Join segments whose gap is at most this many bytes. */
export const DATA_SEGMENT_GAP = 1024;

export interface Section {
  id: number;
  /** Where the section's header (its id byte) starts and where its body ends. */
  start: number;
  bodyStart: number;
  end: number;
}

export interface Segment {
  offset: number;
  bytes: Uint8Array;
}

/** The module's sections, in order. */
export function sections(bytes: Uint8Array): Section[] {
  const list: Section[] = [];
  let pos = 8;
  while (pos < bytes.length) {
    const start = pos;
    const id = bytes[pos++]!;
    const [size, bodyStart] = readU32(bytes, pos);
    list.push({ id, start, bodyStart, end: bodyStart + size });
    pos = bodyStart + size;
  }
  return list;
}

/**
 * The active memory-0 segments with constant offsets, or null if there is any other kind; with
 * `passive: "skip"`, passive segments are passed over rather than refused.
 */
export function activeSegments(bytes: Uint8Array, section: Section, options: { passive?: "refuse" | "skip" } = {}): Segment[] | null {
  let [count, pos] = readU32(bytes, section.bodyStart);
  const segments: Segment[] = [];
  for (; count > 0; count--) {
    if (bytes[pos] === 1 && options.passive === "skip") {
      let length: number;
      [length, pos] = readU32(bytes, pos + 1);
      pos += length;
      continue;
    }
    if (bytes[pos++] !== 0 || bytes[pos++] !== 0x41) return null; // flags 0, then i32.const
    let offset: number;
    [offset, pos] = readI32(bytes, pos);
    if (bytes[pos++] !== 0x0b) return null; // end of the offset expression
    let length: number;
    [length, pos] = readU32(bytes, pos);
    segments.push({ offset: offset >>> 0, bytes: bytes.subarray(pos, pos + length) });
    pos += length;
  }
  return segments;
}

function join(segments: Segment[], maxGap: number): Segment[] {
  const sorted = [...segments].sort((a, b) => a.offset - b.offset);
  const groups: { offset: number; end: number; parts: Segment[] }[] = [];
  for (const segment of sorted) {
    const last = groups[groups.length - 1];
    if (last && segment.offset >= last.end && segment.offset - last.end <= maxGap) {
      last.parts.push(segment);
      last.end = segment.offset + segment.bytes.length;
    } else if (last && segment.offset < last.end) {
      return segments; // overlapping segments: later ones win, which joining would not keep
    } else {
      groups.push({ offset: segment.offset, end: segment.offset + segment.bytes.length, parts: [segment] });
    }
  }
  return groups.map((group) => {
    const joined = new Uint8Array(group.end - group.offset);
    for (const part of group.parts) joined.set(part.bytes, part.offset - group.offset);
    return { offset: group.offset, bytes: joined };
  });
}

export function section(id: number, body: Uint8Array[]): Uint8Array[] {
  const size = body.reduce((sum, part) => sum + part.length, 0);
  return [Uint8Array.from([id, ...writeU32(size)]), ...body];
}

/** The module with its data segments joined across gaps of at most `maxGap` zero bytes. */
export function mergeDataSegments(module: Uint8Array, maxGap = DATA_SEGMENT_GAP): Uint8Array {
  const list = sections(module);
  const data = list.find((s) => s.id === SECTION.data);
  const segments = data ? activeSegments(module, data) : null;
  if (!data || !segments) return module;
  const merged = join(segments, maxGap);
  if (merged.length === segments.length) return module;
  const body: Uint8Array[] = [Uint8Array.from(writeU32(merged.length))];
  for (const segment of merged) body.push(Uint8Array.from([0, 0x41, ...writeI32(segment.offset | 0), 0x0b, ...writeU32(segment.bytes.length)]), segment.bytes);
  const parts: Uint8Array[] = [module.subarray(0, 8)];
  for (const s of list) {
    if (s.id === SECTION.data) parts.push(...section(SECTION.data, body));
    else if (s.id === SECTION.dataCount) parts.push(...section(SECTION.dataCount, [Uint8Array.from(writeU32(merged.length))]));
    else parts.push(module.subarray(s.start, s.end));
  }
  return concatBytes(parts);
}
