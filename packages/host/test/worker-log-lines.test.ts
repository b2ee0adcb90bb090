import { describe, expect, it } from "vitest";
import { createHost, type Host } from "../src/index.js";
import { afterEachTest } from "./support/after-each-test.js";
import { pluginDir, wat } from "./support/plugin-dir.js";
import { PACK_AND_ALLOC } from "./support/wat-prelude.js";

// A worker hands its call's log lines to the host in a buffer instead of a round trip each
// (log-buffer.ts). Seen in the host's log: every line, in the order the plugin wrote it, also
// around its host calls, also when there are more than the buffer holds, also when the call
// runs out of time.

const registration = JSON.stringify({ name: "logger", version: "1.0.0" });
const wasm = wat(`(module
  (import "host" "log" (func $log (param i32 i32 i32 i32 i32 i32)))
  (import "host" "cache_get" (func $cache_get (param i32 i32) (result i64)))
  (memory (export "memory") 2)
  (data (i32.const 16) ${JSON.stringify(registration)})
  (data (i32.const 80) "info")
  (data (i32.const 96) "oneokk")
  (data (i32.const 112) "before the loop")
  (data (i32.const 128) "{\\"n\\":1}")
  ${PACK_AND_ALLOC}
  (func (export "gk_register") (result i64) (call $pack (i32.const 16) (i32.const ${registration.length})))
  (func (export "around_a_host_call") (param i32 i32) (result i64)
    (call $log (i32.const 80) (i32.const 4) (i32.const 96) (i32.const 3) (i32.const 128) (i32.const 7))
    (drop (call $cache_get (i32.const 99) (i32.const 2)))
    (call $log (i32.const 80) (i32.const 4) (i32.const 99) (i32.const 2) (i32.const 0) (i32.const 0))
    (call $pack (i32.const 99) (i32.const 2)))
  (func (export "many_long_lines") (param i32 i32) (result i64) (local $i i32)
    (memory.fill (i32.const 4096) (i32.const 97) (i32.const 4096))
    (loop $lines
      (i32.store8 (i32.const 4096) (i32.add (i32.const 65) (local.get $i)))
      (call $log (i32.const 80) (i32.const 4) (i32.const 4096) (i32.const 4096) (i32.const 0) (i32.const 0))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $lines (i32.lt_u (local.get $i) (i32.const 40))))
    (call $pack (i32.const 99) (i32.const 2)))
  (func (export "log_then_loop") (param i32 i32) (result i64)
    (call $log (i32.const 80) (i32.const 4) (i32.const 112) (i32.const 15) (i32.const 0) (i32.const 0))
    (loop $forever (br $forever))
    (unreachable)))`);

const later = afterEachTest();

/** The logger plugin without cache:read: its cache_get is refused, and the host logs that. */
async function start(): Promise<Host> {
  const host = await createHost({ database: { demo: false }, platformState: false });
  later(() => host.close());
  const dir = await pluginDir({ name: "logger", version: "1.0.0", limits: { timeout_ms: 300 } }, wasm);
  later(dir.cleanup);
  await host.load(dir.dir);
  return host;
}

describe("log lines from a plugin's worker", () => {
  it("keep their order around a host call, and their fields", async () => {
    const host = await start();
    expect(await host.call("logger", "around_a_host_call")).toMatchObject({ status: 200, body: "ok" });
    const lines = host.logs.list("logger").map((l) => [l.level, l.message, l.fields]);
    expect(lines).toEqual([
      ["info", "one", { n: 1 }],
      ["warn", 'permission denied: cache_get needs "cache:read"; add it to manifest.permissions', { host_function: "cache_get" }],
      ["info", "ok", {}],
    ]);
  });

  it("all arrive, in order, when there are more than the buffer holds", async () => {
    const host = await start();
    expect(await host.call("logger", "many_long_lines")).toMatchObject({ status: 200, body: "ok" });
    const lines = host.logs.list("logger");
    expect(lines.map((l) => l.message[0]).join("")).toBe("ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefgh".slice(0, 40));
    expect(lines.every((l) => l.message.length === 4096 && l.message.endsWith("aaaa"))).toBe(true);
  });

  it("written before a call runs out of time are kept, before the time-out's own line", async () => {
    const host = await start();
    const res = await host.call("logger", "log_then_loop");
    expect(res.error?.code).toBe("E_TIMEOUT");
    const messages = host.logs.list("logger").map((l) => l.message);
    expect(messages[0]).toBe("before the loop");
    expect(messages.slice(1).some((m) => m.includes("ran longer than 300 ms"))).toBe(true);
  });
});
