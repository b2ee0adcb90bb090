/**
 * Joining a Wizer snapshot's data segments (src/build/goatflow/data-segments.ts): an instance of
 * the joined module starts with the same memory, from fewer segments.
 */
import { describe, expect, it } from "vitest";
import { mergeDataSegments } from "../src/build/goatflow/data-segments.js";

/** A module with one exported memory of one page and the given data section entries. */
function moduleWith(entries: number[][]): Uint8Array<ArrayBuffer> {
  const data = [entries.length, ...entries.flat()];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...[0x05, 0x03, 0x01, 0x00, 0x01], // memory: min 1 page
    ...[0x07, 0x0a, 0x01, 0x06, ...Buffer.from("memory"), 0x02, 0x00], // export "memory"
    ...[0x0b, data.length, ...data],
  ]);
}

/** An active segment of memory 0 at `offset` (below 64) holding `bytes`. */
const active = (offset: number, bytes: number[]) => [0x00, 0x41, offset, 0x0b, bytes.length, ...bytes];

function memoryOf(module: Uint8Array<ArrayBuffer>): Uint8Array {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(module));
  return new Uint8Array((instance.exports.memory as WebAssembly.Memory).buffer);
}

/** The data section's segment count: its section starts at byte 25 in these small modules. */
function segmentCount(module: Uint8Array): number {
  expect(module[25]).toBe(0x0b);
  return module[27]!;
}

describe("mergeDataSegments", () => {
  it("joins segments across small gaps into one, and the memory an instance starts with is the same", () => {
    const original = moduleWith([active(0, [1, 2]), active(4, [3]), active(10, [4, 5, 6])]);
    const merged = mergeDataSegments(original, 8) as Uint8Array<ArrayBuffer>;
    expect(segmentCount(original)).toBe(3);
    expect(segmentCount(merged)).toBe(1);
    expect(Buffer.from(memoryOf(merged))).toEqual(Buffer.from(memoryOf(original)));
    expect([...memoryOf(merged).subarray(0, 14)]).toEqual([1, 2, 0, 0, 3, 0, 0, 0, 0, 0, 4, 5, 6, 0]);
  });

  it("keeps segments apart where the gap is wider than asked", () => {
    const original = moduleWith([active(0, [1]), active(2, [2]), active(40, [3])]);
    const merged = mergeDataSegments(original, 4) as Uint8Array<ArrayBuffer>;
    expect(segmentCount(merged)).toBe(2);
    expect(Buffer.from(memoryOf(merged))).toEqual(Buffer.from(memoryOf(original)));
  });

  it("leaves a module with a passive segment as it is", () => {
    const original = moduleWith([active(0, [1]), [0x01, 1, 9], active(2, [2])]);
    expect(mergeDataSegments(original, 8)).toBe(original);
  });
});
