import { describe, expect, it } from "vitest";
import { defaultMemoryEstimate, initialMemoryBytes } from "../../src/platform/memory-estimate.js";
import { wat } from "../support/plugin-dir.js";

// The figures the memory budget works with (see memory-estimate.ts for why they are estimates).
describe("initialMemoryBytes", () => {
  it("reads a module's own memory", () => {
    expect(initialMemoryBytes(wat('(module (memory (export "memory") 3 10))'))).toBe(3 * 65536);
  });

  it("reads an imported memory, after other imports", () => {
    const bytes = wat(`(module
      (import "host" "log" (func (param i32 i32)))
      (import "env" "table" (table 1 funcref))
      (import "env" "g" (global i32))
      (import "env" "memory" (memory 5)))`);
    expect(initialMemoryBytes(bytes)).toBe(5 * 65536);
  });

  it("is 0 for a module without memory, or bytes that are not a module", () => {
    expect(initialMemoryBytes(wat("(module (func (export \"f\")))"))).toBe(0);
    expect(initialMemoryBytes(new TextEncoder().encode("not wasm at all"))).toBe(0);
  });
});

describe("defaultMemoryEstimate", () => {
  it("counts code, linear memory per instance and a worker's own heap", () => {
    const input = { name: "x", binding: "core" as const, wasmBytes: 1000, initialMemoryBytes: 65536 };
    expect(defaultMemoryEstimate({ ...input, isolation: "in-process", instances: 1 })).toBe(4000 + 65536);
    expect(defaultMemoryEstimate({ ...input, isolation: "worker", instances: 2 })).toBe(4000 + 2 * (65536 + 8 * 1024 * 1024));
  });

  it("counts the engine each instance of a TypeScript plugin on the shared engine runs", () => {
    const input = { name: "faq", binding: "quickjs" as const, wasmBytes: 47_000, initialMemoryBytes: 0 };
    // About 11 MiB per plugin in a worker, as measured (docs/benchmarks.md).
    expect(defaultMemoryEstimate({ ...input, isolation: "worker", instances: 1 })).toBe(47_000 * 4 + 11 * 1024 * 1024);
    expect(defaultMemoryEstimate({ ...input, isolation: "in-process", instances: 1 })).toBe(47_000 * 4 + 3 * 1024 * 1024);
  });
});
