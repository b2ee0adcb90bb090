import { describe, expect, it } from "vitest";
import { Channel } from "../src/runtime/worker/channel.js";

// The frames a worker and the host thread exchange: what one side writes, the other reads back
// unchanged, whatever the header (binary for the common ones, JSON for the rest).
describe("the worker channel's frames", () => {
  const roundTrip = (header: unknown, raw: Uint8Array | null = null, channel = Channel.create(1024 * 1024)) => {
    channel.write(header, raw);
    // The other side reads the same shared buffer.
    return new Channel(channel.buffer).read();
  };

  it.each([
    ["a call", { op: "call", handler: "ok" }],
    ["a call of a handler with a non-ASCII name", { op: "call", handler: "zählen_ü_😀" }],
    ["an outcome with bytes", { ok: true, kind: "bytes" }],
    ["an outcome with a number", { ok: true, kind: "number", value: 3 }],
    ["a reply of each kind", { ok: true, kind: "json" }],
    ["a void reply", { ok: true, kind: "void" }],
    ["a host call with every kind of argument", { fn: "cache_set", args: ["key:é", 2, 60.5, true, false, null, "x".repeat(200)] }],
    ["a host call without arguments", { fn: "config_get", args: [] }],
    ["a failure (JSON)", { ok: false, code: "E_TRAP", message: "unreachable executed", wasmFrames: [{ func: 3, offset: 120 }] }],
    ["a registration call (JSON)", { op: "register" }],
    ["an outcome with a field the binary form has no room for (JSON)", { ok: true, kind: "bytes", note: "kept" }],
  ])("carries %s unchanged", (_name, header) => {
    expect(roundTrip(header).header).toEqual(header);
  });

  it("carries the raw bytes after the header", () => {
    const raw = new TextEncoder().encode('{"rows":[1,2,3]}');
    const frame = roundTrip({ ok: true, kind: "json" }, raw);
    expect(new TextDecoder().decode(frame.raw!)).toBe('{"rows":[1,2,3]}');
  });

  it("refuses a frame larger than the channel can grow to, naming the size", () => {
    const channel = Channel.create(1024);
    expect(() => channel.write({ fn: "cache_set", args: ["k"] }, new Uint8Array(200 * 1024))).toThrow(/larger than the channel's/);
    expect(() => channel.write({ fn: "log", args: ["info", "x".repeat(100 * 1024), "{}"] })).toThrow(/larger than the channel's/);
  });

  it("grows to carry a header whose worst case is past the cap but whose real size fits", () => {
    // 40,000 two-byte characters: 80,000 bytes of UTF-8, against a worst case of 120,000.
    // A cap of 100,000 bytes (Channel.create adds 64 KiB and its own header to maxBytes).
    const channel = Channel.create(100_000 - 64 * 1024 - 24);
    const header = { fn: "log", args: ["info", "é".repeat(40_000), "{}"] };
    expect(roundTrip(header, null, channel).header).toEqual(header);
  });
});
