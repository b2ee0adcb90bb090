import { describe, expect, it } from "vitest";
import { createHost, MemoryCache, type Host } from "../src/index.js";
import { afterEachTest } from "./support/after-each-test.js";
import { pluginDir, wat } from "./support/plugin-dir.js";
import { PACK_AND_ALLOC } from "./support/wat-prelude.js";

// A plugin worker answers a cache_get hit from its plugin's mirror of the embedded cache, without
// waiting for the host thread (docs/host-functions.md, "cache_get in a worker"). Seen from the
// host: its cache's own `get` is not asked for a hit; it still answers misses, expired entries,
// denials and the call budget, as before.

/** The embedded cache, counting the reads that reach it. */
class CountingCache extends MemoryCache {
  gets = 0;
  override get(namespace: string, key: string): Uint8Array | null {
    this.gets++;
    return super.get(namespace, key);
  }
}

const registration = (name: string) => JSON.stringify({ name, version: "1.0.0" });

/** `read`: one cache_get of "k", its value, else last_error, else "miss". `read_ten`: ten, then last_error or "done". `check`: 1,000 reads of "k", "ok" if every value (256 KiB) was one byte repeated, else "torn". */
const plugin = (name: string) =>
  wat(`(module
  (import "host" "cache_get" (func $cache_get (param i32 i32) (result i64)))
  (import "host" "last_error" (func $last_error (result i64)))
  (memory (export "memory") 6)
  (data (i32.const 16) ${JSON.stringify(registration(name))})
  (data (i32.const 80) "k")
  (data (i32.const 96) "okmissdonetorn")
  ${PACK_AND_ALLOC}
  (func (export "gk_register") (result i64) (call $pack (i32.const 16) (i32.const ${registration(name).length})))
  (func $value_or_error (param $r i64) (param $otherwise i64) (result i64)
    (if (i64.ne (local.get $r) (i64.const 0)) (then (return (local.get $r))))
    (local.set $r (call $last_error))
    (if (i64.ne (local.get $r) (i64.const 0)) (then (return (local.get $r))))
    (local.get $otherwise))
  (func (export "read") (param i32 i32) (result i64)
    (call $value_or_error (call $cache_get (i32.const 80) (i32.const 1)) (call $pack (i32.const 98) (i32.const 4))))
  (func (export "read_ten") (param i32 i32) (result i64) (local $i i32)
    (loop $again
      (drop (call $cache_get (i32.const 80) (i32.const 1)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const 10))))
    (call $value_or_error (i64.const 0) (call $pack (i32.const 102) (i32.const 4))))
  (func (export "check") (param i32 i32) (result i64) (local $i i32) (local $j i32) (local $r i64) (local $p i32) (local $n i32) (local $torn i32)
    (loop $reads
      (local.set $r (call $cache_get (i32.const 80) (i32.const 1)))
      (local.set $p (i32.wrap_i64 (i64.shr_u (local.get $r) (i64.const 32))))
      (local.set $n (i32.wrap_i64 (local.get $r)))
      (if (i32.ne (local.get $n) (i32.const 262144)) (then (local.set $torn (i32.const 1))))
      (local.set $j (i32.const 0))
      (block $checked (loop $bytes
        (br_if $checked (i32.ge_u (local.get $j) (local.get $n)))
        (if (i32.ne (i32.load8_u (i32.add (local.get $p) (local.get $j))) (i32.load8_u (local.get $p))) (then (local.set $torn (i32.const 1))))
        (local.set $j (i32.add (local.get $j) (i32.const 4093)))
        (br $bytes)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $reads (i32.lt_u (local.get $i) (i32.const 1000))))
    (if (result i64) (local.get $torn) (then (call $pack (i32.const 106) (i32.const 4))) (else (call $pack (i32.const 96) (i32.const 2))))))`);

const later = afterEachTest();

async function start(options: Parameters<typeof createHost>[0] = {}, plugins: { name: string; permissions: string[] }[] = [{ name: "reader", permissions: ["cache:read"] }]): Promise<{ host: Host; cache: CountingCache }> {
  const cache = (options.cache as CountingCache | undefined) ?? new CountingCache(options.now);
  const host = await createHost({ database: { demo: false }, platformState: false, ...options, cache });
  later(() => host.close());
  for (const { name, permissions } of plugins) {
    // A long time-out: the torn-value check's reads wait for a host thread that is busy writing.
    const dir = await pluginDir({ name, version: "1.0.0", permissions, limits: { timeout_ms: 30_000 } }, plugin(name));
    later(dir.cleanup);
    await host.load(dir.dir);
  }
  return { host, cache };
}

const body = (response: { body: unknown }) => String(response.body);

describe("cache_get answered in the plugin's worker", () => {
  it("serves a hit without asking the host's cache, and sees later sets and deletes", async () => {
    const { host, cache } = await start();
    await cache.set("reader", "k", new TextEncoder().encode("hej ✓"), 0);
    expect(body(await host.call("reader", "read"))).toBe("hej ✓");
    expect(body(await host.call("reader", "read_ten"))).toBe("done");
    expect(cache.gets).toBe(0);
    await cache.set("reader", "k", new TextEncoder().encode("new"), 0);
    expect(body(await host.call("reader", "read"))).toBe("new");
    expect(cache.gets).toBe(0);
    await cache.delete("reader", "k");
    expect(body(await host.call("reader", "read"))).toBe("miss");
    // A miss is the host's to answer.
    expect(cache.gets).toBe(1);
  });

  it("leaves an expired entry to the host, on the host's clock", async () => {
    let now = Date.parse("2026-07-01T09:00:00Z");
    const { host, cache } = await start({ now: () => now });
    await cache.set("reader", "k", new TextEncoder().encode("fresh"), 60);
    expect(body(await host.call("reader", "read"))).toBe("fresh");
    expect(cache.gets).toBe(0);
    now += 61_000;
    expect(body(await host.call("reader", "read"))).toBe("miss");
    expect(cache.gets).toBe(1);
  });

  it("reads only the plugin's own namespace", async () => {
    const { host, cache } = await start({}, [
      { name: "reader", permissions: ["cache:read"] },
      { name: "neighbour", permissions: ["cache:read"] },
    ]);
    await cache.set("reader", "k", new TextEncoder().encode("reader's"), 0);
    expect(body(await host.call("neighbour", "read"))).toBe("miss");
    expect(body(await host.call("reader", "read"))).toBe("reader's");
  });

  it("still refuses a plugin without cache:read, with the host's error and its log line", async () => {
    const { host, cache } = await start({}, [{ name: "reader", permissions: [] }]);
    await cache.set("reader", "k", new TextEncoder().encode("secret"), 0);
    expect(JSON.parse(body(await host.call("reader", "read")))).toEqual({ error: 'permission denied: cache_get needs "cache:read"; add it to manifest.permissions', code: "E_PERMISSION_DENIED" });
    expect(host.logs.list("reader").some((l) => l.level === "warn" && l.message.startsWith("permission denied: cache_get"))).toBe(true);
  });

  it("counts hits towards the host-call budget of a handler call", async () => {
    const { host, cache } = await start({ callLimits: { maxHostCallsPerCall: 5 } });
    await cache.set("reader", "k", new TextEncoder().encode("v"), 0);
    expect(JSON.parse(body(await host.call("reader", "read_ten")))).toEqual({
      error: "more than 5 host calls in one handler call; batch the work (one query for many rows) or split it across jobs",
      code: "E_LIMIT_EXCEEDED",
    });
    expect(cache.gets).toBe(0);
    // The budget is per call.
    expect(body(await host.call("reader", "read"))).toBe("v");
  });

  it("never hands the plugin a torn value while the host rewrites it", async () => {
    const { host, cache } = await start();
    // Values of 256 KiB: the mirror (4 MiB) packs its data every few writes, moving entries.
    await cache.set("reader", "k", new Uint8Array(256 * 1024).fill(1), 0);
    let settled = false;
    const checked = host.call("reader", "check").finally(() => (settled = true));
    let writes = 0;
    for (let fill = 2; !settled; fill = (fill % 250) + 1) {
      await cache.set("reader", "k", new Uint8Array(256 * 1024).fill(fill), 0);
      if (++writes % 4 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(body(await checked)).toBe("ok");
    expect(writes).toBeGreaterThan(20);
    // Reads that overlap a write wait for the host thread, which answers between its writes.
  }, 60_000);
});
