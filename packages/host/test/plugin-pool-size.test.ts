import { describe, expect, it } from "vitest";
import { availableParallelism } from "node:os";
import { ConfigError, configFromEnv, createHost, runHostProcess, servicesFromConfig } from "../src/index.js";
import { defaultMemoryEstimate, initialMemoryBytes } from "../src/platform/memory-estimate.js";
import type { CacheService } from "../src/services/types.js";
import { afterEachTest } from "./support/after-each-test.js";
import { pluginDir, wat } from "./support/plugin-dir.js";
import { PACK_AND_ALLOC } from "./support/wat-prelude.js";

// A plugin's calls run on a pool of instances (HostOptions.poolSize, plugins.pool_size), unless
// its manifest says `concurrency: "serial"`. Whether two calls overlap is seen from the host
// side: each call makes one cache_get, and the cache records when calls enter and leave it.

/**
 * A cache whose `get` waits until a second call enters (then both leave), or, when none comes,
 * gives up after `patienceMs`: overlapping calls log enter, enter, leave, leave; serial ones
 * enter, leave, enter, leave. The patience only bounds how long a serial run takes.
 */
class MeetingCache implements CacheService {
  readonly events: string[] = [];
  #waiting: Array<() => void> = [];
  constructor(private readonly patienceMs = 2000) {}
  async get(): Promise<Uint8Array | null> {
    this.events.push("enter");
    if (this.#waiting.length > 0) {
      for (const release of this.#waiting.splice(0)) release();
    } else {
      await new Promise<void>((resolve) => {
        this.#waiting.push(resolve);
        setTimeout(() => {
          this.#waiting = this.#waiting.filter((r) => r !== resolve);
          resolve();
        }, this.patienceMs);
      });
    }
    this.events.push("leave");
    return null;
  }
  set(): void {}
  delete(): void {}
  close(): void {}
}

const registration = JSON.stringify({ name: "meeting", version: "1.0.0" });
const wasm = wat(`(module
  (import "host" "cache_get" (func $cache_get (param i32 i32) (result i64)))
  (memory (export "memory") 2)
  (data (i32.const 16) ${JSON.stringify(registration)})
  (data (i32.const 80) "key")
  (data (i32.const 96) "ok")
  ${PACK_AND_ALLOC}
  (func (export "gk_register") (result i64) (call $pack (i32.const 16) (i32.const ${registration.length})))
  (func (export "meet") (param i32 i32) (result i64)
    (drop (call $cache_get (i32.const 80) (i32.const 3)))
    (call $pack (i32.const 96) (i32.const 2))))`);

const manifest = { name: "meeting", version: "1.0.0", permissions: ["cache:read"], limits: { timeout_ms: 30_000 } };

const later = afterEachTest();

async function twoCalls(options: Parameters<typeof createHost>[0], manifestExtra: object = {}): Promise<{ events: string[]; bodies: unknown[]; poolSize: number }> {
  const cache = new MeetingCache();
  const host = await createHost({ database: { demo: false }, platformState: false, ...options, cache });
  later(() => host.close());
  const dir = await pluginDir({ ...manifest, ...manifestExtra }, wasm);
  later(dir.cleanup);
  const plugin = await host.load(dir.dir);
  const results = await Promise.all([host.call("meeting", "meet"), host.call("meeting", "meet")]);
  return { events: cache.events, bodies: results.map((r) => r.body), poolSize: plugin.poolSize };
}

describe("a plugin's pool of instances", () => {
  it("runs two calls at once with a pool of 2", async () => {
    const { events, bodies, poolSize } = await twoCalls({ poolSize: 2 });
    expect(bodies).toEqual(["ok", "ok"]);
    expect(poolSize).toBe(2);
    expect(events).toEqual(["enter", "enter", "leave", "leave"]);
  }, 30_000);

  it("runs one call at a time for a manifest with concurrency: serial, whatever the pool", async () => {
    const { events, bodies, poolSize } = await twoCalls({ poolSize: 2 }, { concurrency: "serial" });
    expect(bodies).toEqual(["ok", "ok"]);
    expect(poolSize).toBe(1);
    expect(events).toEqual(["enter", "leave", "enter", "leave"]);
  }, 30_000);

  it("takes the pool size from the host config (GOATKIT_PLUGIN_POOL_SIZE)", async () => {
    const { config } = configFromEnv({ GOATKIT_PLUGIN_POOL_SIZE: "2" });
    const services = await servicesFromConfig(config);
    expect(services.poolSize).toBe(2);
    const { events } = await twoCalls({ ...services, poolSize: services.poolSize! });
    expect(events).toEqual(["enter", "enter", "leave", "leave"]);
  }, 30_000);

  it("serializes with a configured pool size of 1", async () => {
    const { events } = await twoCalls({ poolSize: 1 });
    expect(events).toEqual(["enter", "leave", "enter", "leave"]);
  }, 30_000);

  it("sizes the pool from the cores and the memory limit with auto, under the ceiling", async () => {
    const small = await twoCalls({ poolSize: "auto" }, { limits: { timeout_ms: 30_000, memory_mb: 64 } });
    expect(small.poolSize).toBe(Math.min(2 * availableParallelism(), 4));
    // 1 GiB per instance: one instance.
    const large = await twoCalls({ poolSize: "auto", maxPoolSize: 8, limitCeilings: { memory_mb: 1024 } }, { limits: { timeout_ms: 30_000, memory_mb: 1024 } });
    expect(large.poolSize).toBe(1);
    expect(large.events).toEqual(["enter", "leave", "enter", "leave"]);
  }, 30_000);

  it("sizes the pool from the machine on a host run as gk start runs it, and counts every instance's memory", async () => {
    const dir = await pluginDir({ ...manifest, limits: { timeout_ms: 30_000, memory_mb: 64 } }, wasm);
    later(dir.cleanup);
    const env = { GOATKIT_DB_URL: "sqlite::memory:", GOATKIT_DB_DEMO: "false", GOATKIT_PLUGINS_EAGER: "true", GOATKIT_HOST_ID: "pool" };
    const running = await runHostProcess({ plugins: [dir.dir], env, port: 0, handleSignals: false, print: () => undefined });
    try {
      const instances = Math.min(2 * availableParallelism(), 4);
      const expected = defaultMemoryEstimate({ name: "meeting", binding: "core", wasmBytes: wasm.byteLength, initialMemoryBytes: initialMemoryBytes(wasm), isolation: "worker", instances });
      expect(running.manager.info("meeting").memoryBytes).toBe(expected);
    } finally {
      await running.stop();
    }
  }, 30_000);

  it("starts short calls of one turn on one worker's wake, and still runs calls that take time side by side", async () => {
    // `count` answers how many calls its instance has served, in two digits: calls on one
    // worker count up.
    const counter = JSON.stringify({ name: "counter", version: "1.0.0" });
    const countingWasm = wat(`(module
      (import "host" "cache_get" (func $cache_get (param i32 i32) (result i64)))
      (memory (export "memory") 2)
      (global $served (mut i32) (i32.const 0))
      (data (i32.const 16) ${JSON.stringify(counter)})
      (data (i32.const 80) "key")
      ${PACK_AND_ALLOC}
      (func (export "gk_register") (result i64) (call $pack (i32.const 16) (i32.const ${counter.length})))
      (func (export "count") (param i32 i32) (result i64)
        (global.set $served (i32.add (global.get $served) (i32.const 1)))
        (i32.store8 (i32.const 96) (i32.add (i32.const 48) (i32.div_u (global.get $served) (i32.const 10))))
        (i32.store8 (i32.const 97) (i32.add (i32.const 48) (i32.rem_u (global.get $served) (i32.const 10))))
        (call $pack (i32.const 96) (i32.const 2)))
      (func (export "meet") (param i32 i32) (result i64)
        (drop (call $cache_get (i32.const 80) (i32.const 3)))
        (call $pack (i32.const 96) (i32.const 1))))`);
    const cache = new MeetingCache(100);
    const host = await createHost({ database: { demo: false }, platformState: false, poolSize: 2, cache });
    later(() => host.close());
    const dir = await pluginDir({ name: "counter", version: "1.0.0", permissions: ["cache:read"], limits: { timeout_ms: 30_000 } }, countingWasm);
    later(dir.cleanup);
    await host.load(dir.dir);
    // Two calls at once start the pool's second worker.
    const first = await Promise.all([host.call("counter", "count"), host.call("counter", "count")]);
    expect(first.map((r) => r.body)).toEqual(["01", "01"]);
    // The workers go to sleep; three short calls in one turn then share one wake: one worker
    // serves them one after the other, counting up. (Without it, they would go to both workers.)
    // A worker's latest call counts as short by its own clock, which a busy machine can stretch:
    // a few turns are tried.
    let rode = false;
    for (let turn = 0; turn < 5 && !rode; turn++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const short = (await Promise.all([host.call("counter", "count"), host.call("counter", "count"), host.call("counter", "count")])).map((r) => Number(r.body));
      rode = short[1] === short[0]! + 1 && short[2] === short[0]! + 2;
    }
    expect(rode).toBe(true);
    // A call that waited 100 ms for the cache: the worker's calls take time, so the next two
    // calls of one turn go to two workers and meet in the cache.
    await host.call("counter", "meet");
    await new Promise((resolve) => setTimeout(resolve, 50));
    cache.events.length = 0;
    await Promise.all([host.call("counter", "meet"), host.call("counter", "meet")]);
    expect(cache.events).toEqual(["enter", "enter", "leave", "leave"]);
  }, 30_000);

  it("refuses a pool size above the ceiling, naming both settings", async () => {
    const error = await createHost({ database: { demo: false }, platformState: false, poolSize: 6, maxPoolSize: 4 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe("the pool size of 6 instances per plugin (poolSize, plugins.pool_size) is above the ceiling of 4 (maxPoolSize, plugins.max_pool_size)");
    expect(() => configFromEnv({ GOATKIT_PLUGIN_POOL_SIZE: "many" })).toThrow('GOATKIT_PLUGIN_POOL_SIZE must be "auto" or a whole number, got "many"');
  });
});
