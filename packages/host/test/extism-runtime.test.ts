import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost, type Host } from "../src/index.js";
import { pluginDir, wat } from "./support/plugin-dir.js";

// fixtures/extism-kitchen-sink, built by asc before the tests run.
const fixtureDir = new URL("../../../fixtures/extism-kitchen-sink/", import.meta.url).pathname;

/**
 * A minimal Extism plugin: `gk_register` writes the registration through the kernel's
 * `alloc`/`store_u8`/`output_set`; `body` adds its globals and handlers.
 */
function extismModule(registration: string, body: string): Uint8Array {
  return wat(`(module
    (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
    (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
    (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
    (memory (export "memory") 1)
    (data (i32.const 0) ${JSON.stringify(registration)})
    (func (export "gk_register") (result i32)
      (local $block i64) (local $i i32)
      (local.set $block (call $alloc (i64.const ${registration.length})))
      (block $done (loop $copy
        (br_if $done (i32.ge_u (local.get $i) (i32.const ${registration.length})))
        (call $store_u8 (i64.add (local.get $block) (i64.extend_i32_u (local.get $i))) (i32.load8_u (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $copy)))
      (call $output_set (local.get $block) (i64.const ${registration.length}))
      (i32.const 0))
    ${body})`);
}

describe("Extism plugins: faults", () => {
  let host: Host;
  beforeAll(async () => {
    host = await createHost({ database: { demo: { tickets: 10 } } });
    await host.load(fixtureDir);
  });
  afterAll(() => host.close());

  it("a trap fails one call and the next call gets a fresh instance", async () => {
    const trapped = await host.call("kitchen-sink", "trap", { query: { mode: "unreachable" } });
    expect(trapped.error?.code).toBe("E_TRAP");
    expect(trapped.error?.message).toMatch(/^trap trapped: .*unreachable/);
    expect((await host.call("kitchen-sink", "echo")).status).toBe(200);
  });
});

describe("Extism plugins: imports", () => {
  it("a host function GoatKit does not offer fails the load, naming it and the ones it does", async () => {
    const module = wat(`(module
      (import "extism:host/user" "open_socket" (func (param i64) (result i64)))
      (memory (export "memory") 1)
      (func (export "gk_register") (result i32) (i32.const 0)))`);
    const { dir, cleanup } = await pluginDir({ name: "sockets", version: "1.0.0" }, module);
    const host = await createHost({ database: { demo: false } });
    try {
      await expect(host.load(dir)).rejects.toThrow(
        'the Extism plugin imports "extism:host/user.open_socket", which this host does not provide. GoatKit host functions in extism:host/user: db_query, db_exec, cache_get, cache_set, cache_delete, http_request, send_email, schedule_job, log, last_error.',
      );
    } finally {
      await host.close();
      await cleanup();
    }
  });

  it("is detected from the Extism kernel import and registers through gk_register's output", async () => {
    const module = extismModule('{"name":"tiny","version":"1.0.0"}', '(func (export "hello") (result i32) (i32.const 0))');
    const { dir, cleanup } = await pluginDir({ name: "tiny", version: "1.0.0" }, module);
    const host = await createHost({ database: { demo: false } });
    try {
      const plugin = await host.load(dir);
      expect(plugin.binding).toBe("extism");
      expect(plugin.exports).toEqual(["gk_register", "hello"]);
      expect(await host.call("tiny", "hello")).toEqual({ status: 204, headers: {}, body: "" });
    } finally {
      await host.close();
      await cleanup();
    }
  });
});

describe("Extism plugins: isolation", () => {
  // A handler that spins for billions of iterations (seconds on any machine), far past a 200 ms limit.
  const spinner = extismModule(
    '{"name":"spinner","version":"1.0.0"}',
    `(global $spins (mut i32) (i32.const 0))
    (func (export "spin") (result i32)
      (global.set $spins (i32.const 0))
      (block $done (loop $again
        (br_if $done (i32.ge_u (global.get $spins) (i32.const 4000000000)))
        (global.set $spins (i32.add (global.get $spins) (i32.const 1)))
        (br $again)))
      (i32.const 0))
    (func (export "hello") (result i32) (i32.const 0))`,
  );

  it("runs in a worker by default: a handler past limits.timeout_ms is stopped with E_TIMEOUT and the next call answers", async () => {
    const { dir, cleanup } = await pluginDir({ name: "spinner", version: "1.0.0", limits: { timeout_ms: 200 } }, spinner);
    const host = await createHost({ database: { demo: false } });
    try {
      await host.load(dir);
      const stopped = await host.call("spinner", "spin");
      expect(stopped.status).toBe(504);
      expect(stopped.error?.code).toBe("E_TIMEOUT");
      expect(await host.call("spinner", "hello")).toEqual({ status: 204, headers: {}, body: "" });
    } finally {
      await host.close();
      await cleanup();
    }
  });

  it("runs on the host's thread in-process: a trap fails one call and the next call gets a fresh instance", async () => {
    const host = await createHost({ database: { demo: { tickets: 10 } }, isolation: "in-process" });
    try {
      const plugin = await host.load(fixtureDir);
      expect(plugin.isolation).toBe("in-process");
      const trapped = await host.call("kitchen-sink", "trap", { query: { mode: "unreachable" } });
      expect(trapped.error?.code).toBe("E_TRAP");
      expect(trapped.error?.message).toMatch(/^trap trapped: .*unreachable/);
      expect((await host.call("kitchen-sink", "echo")).status).toBe(200);
    } finally {
      await host.close();
    }
  });
});
