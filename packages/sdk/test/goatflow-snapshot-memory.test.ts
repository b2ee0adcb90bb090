/**
 * The memory a pre-initialised engine module declares (src/build/goatflow/snapshot-memory.ts):
 * as many pages as its data reaches, its maximum kept, and what an instance starts with unchanged
 * in those pages.
 */
import { describe, expect, it } from "vitest";
import { declareSnapshotMemory } from "../src/build/goatflow/snapshot-memory.js";
import { writeI32, writeU32 } from "../src/wasm-encoding.js";

const PAGE = 65536;

/** A module with an exported memory of `minimum` pages (and `maximum`, if given) and active segments. */
function moduleWith(minimum: number, maximum: number | undefined, segments: { offset: number; bytes: number[] }[]): Uint8Array<ArrayBuffer> {
  const limits = maximum === undefined ? [0x00, ...writeU32(minimum)] : [0x01, ...writeU32(minimum), ...writeU32(maximum)];
  const memory = [0x01, ...limits];
  const data = [segments.length, ...segments.flatMap((s) => [0x00, 0x41, ...writeI32(s.offset), 0x0b, s.bytes.length, ...s.bytes])];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...[0x05, memory.length, ...memory],
    ...[0x07, 0x0a, 0x01, 0x06, ...Buffer.from("memory"), 0x02, 0x00],
    ...[0x0b, ...writeU32(data.length), ...data],
  ]);
}

function memoryOf(module: Uint8Array): WebAssembly.Memory {
  return new WebAssembly.Instance(new WebAssembly.Module(module as Uint8Array<ArrayBuffer>)).exports.memory as WebAssembly.Memory;
}

describe("declareSnapshotMemory", () => {
  it("declares the pages the data reaches, keeps the maximum, and the memory grows from there", () => {
    const original = moduleWith(40, 256, [{ offset: 16, bytes: [1, 2, 3] }, { offset: PAGE + 100, bytes: [4, 5] }]);
    const declared = declareSnapshotMemory(original);
    const memory = memoryOf(declared);
    expect(memory.buffer.byteLength).toBe(2 * PAGE);
    expect(Buffer.from(memory.buffer)).toEqual(Buffer.from(memoryOf(original).buffer, 0, 2 * PAGE));
    expect(memory.grow(254)).toBe(2);
    expect(() => memory.grow(1)).toThrow(RangeError);
  });

  it("declares one page at least, and a memory without a maximum keeps having none", () => {
    const declared = declareSnapshotMemory(moduleWith(8, undefined, []));
    const memory = memoryOf(declared);
    expect(memory.buffer.byteLength).toBe(PAGE);
    expect(memory.grow(100)).toBe(1);
  });

  it("leaves a module whose data reaches its last page as it is", () => {
    const original = moduleWith(2, 4, [{ offset: 2 * PAGE - 1, bytes: [9] }]);
    expect(declareSnapshotMemory(original)).toBe(original);
  });
});
