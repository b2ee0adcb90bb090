import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost, type Host } from "../src/index.js";
import { pluginDir, wat, watFile } from "./support/plugin-dir.js";

// Each fault costs one failed call: never the host, the next call, or another plugin's calls.
const faultsManifest = {
  name: "faults",
  version: "1.0.0",
  permissions: ["db:read", "db:write", "cache:read"],
  limits: { timeout_ms: 300, memory_mb: 16, max_result_bytes: 50_000 },
  migrations: [{ id: "001_writes", up: "CREATE TABLE faults_writes (id INTEGER PRIMARY KEY, note TEXT NOT NULL)" }],
};
const neighbourManifest = JSON.parse(await readFile(new URL("./fixtures/wat/ticket-counter.manifest.json", import.meta.url), "utf8"));
const fixture = (name: string) => readFile(new URL(`./fixtures/wat/faults/${name}`, import.meta.url), "utf8").then(wat);

const faults: [handler: string, code: string, message: RegExp][] = [
  ["loop_forever", "E_TIMEOUT", /^the call ran longer than 300 ms and was stopped; make it faster or raise limits\.timeout_ms$/],
  ["loop_host_calls", "E_TIMEOUT", /ran longer than 300 ms/],
  ["grow_bomb", "E_TRAP", /^grow_bomb trapped: unreachable/],
  ["recurse", "E_TRAP", /^recurse trapped: Maximum call stack size exceeded/],
  ["unreachable", "E_TRAP", /^unreachable trapped: unreachable/],
  ["bad_pointer", "E_BAD_POINTER", /^bad_pointer returned a bad result: pointer 65000 with length 4096 is outside the plugin's memory/],
  ["huge_result", "E_RESULT_TOO_LARGE", /^huge_result returned 60000 bytes, more than the limit of 50000/],
  ["bad_utf8", "E_INVALID_UTF8", /not valid UTF-8/],
  ["bad_json_args", "E_INVALID_ARGUMENT", /^db_query args is not valid JSON/],
];

for (const isolation of ["worker", "in-process"] as const) {
  describe(`sandbox faults (${isolation})`, () => {
    let host: Host;
    const cleanups: (() => Promise<void>)[] = [];

    beforeAll(async () => {
      // Small budgets keep the floods well inside the time-out on a busy machine.
      host = await createHost({ database: { demo: { tickets: 100 } }, isolation, callLimits: { maxHostCallsPerCall: 500, maxLogsPerCall: 100 } });
      const faultsDir = await pluginDir(faultsManifest, await fixture("faults.wat"));
      const neighbourDir = await pluginDir(neighbourManifest, await watFile("ticket-counter.wat"));
      cleanups.push(faultsDir.cleanup, neighbourDir.cleanup);
      await host.load(faultsDir.dir);
      await host.load(neighbourDir.dir);
    });
    afterAll(async () => {
      await host.close();
      await Promise.all(cleanups.map((c) => c()));
    });

    const contained = isolation === "worker" ? faults : faults.filter(([, code]) => code !== "E_TIMEOUT");
    it.each(contained)("%s fails with %s, and the next call succeeds", async (handler, code, message) => {
      const res = await host.call("faults", handler);
      expect(res.error?.code).toBe(code);
      expect(res.error?.message).toMatch(message);
      expect(host.logs.list("faults", "error").at(-1)?.message).toContain(`${handler}: `);
      const next = await host.call("faults", "ok");
      expect(next).toMatchObject({ status: 200, body: "ok" });
    });

    it("a host-call flood is cut off at the budget (500 here, 10,000 by default)", async () => {
      const res = await host.call("faults", "host_call_flood");
      expect(res.error).toEqual({
        code: "E_LIMIT_EXCEEDED",
        message: "more than 500 host calls in one handler call; batch the work (one query for many rows) or split it across jobs",
      });
      expect((await host.call("faults", "ok")).body).toBe("ok");
    });

    it("a log flood keeps the budget's lines (100 here, 1,000 by default) and says how it was cut", async () => {
      const lines: { message: string }[] = [];
      const stop = host.logs.subscribe((line) => lines.push(line));
      expect((await host.call("faults", "log_flood")).body).toBe("ok");
      stop();
      expect(lines.filter((l) => l.message === "flood")).toHaveLength(100);
      expect(lines.some((l) => l.message.startsWith("log flood: more than 100 lines in one call"))).toBe(true);
    });

    it("a write made before a trap stays committed, exactly once", async () => {
      const res = await host.call("faults", "write_then_trap");
      expect(res.error?.code).toBe("E_TRAP");
      expect(await host.services.db.query("SELECT note FROM faults_writes", [])).toEqual([{ note: "before the trap" }]);
    });

    it("refuses a plugin whose gk_register traps, naming it", async () => {
      const dir = await pluginDir({ name: "register-traps", version: "1.0.0" }, await fixture("register-traps.wat"));
      cleanups.push(dir.cleanup);
      await expect(host.load(dir.dir)).rejects.toThrow(/gk_register trapped: unreachable/);
    });

    it("refuses a module that needs more memory than its cap", async () => {
      const big = wat(`(module (memory (export "memory") 512) (func (export "gk_alloc") (param i32) (result i32) (i32.const 0)) (func (export "gk_register") (result i64) (i64.const 0)))`);
      const dir = await pluginDir({ name: "too-big", version: "1.0.0", limits: { memory_mb: 16 } }, big);
      cleanups.push(dir.cleanup);
      await expect(host.load(dir.dir)).rejects.toThrow(/starts with 32 MiB of memory, more than its cap of 16 MiB; raise limits\.memory_mb/);
    });
  });
}

describe("sandbox isolation (worker)", () => {
  let host: Host;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    host = await createHost({ database: { demo: { tickets: 100 } } });
    const faultsDir = await pluginDir(faultsManifest, await fixture("faults.wat"));
    const neighbourDir = await pluginDir(neighbourManifest, await watFile("ticket-counter.wat"));
    cleanups.push(faultsDir.cleanup, neighbourDir.cleanup);
    await host.load(faultsDir.dir);
    await host.load(neighbourDir.dir);
  });
  afterAll(async () => {
    await host.close();
    await Promise.all(cleanups.map((c) => c()));
  });

  it("other plugins keep answering while one loops", async () => {
    let looping = true;
    const loop = host.call("faults", "loop_forever").finally(() => (looping = false));
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await host.call("ticket-counter", "get_counts"));
    expect(looping).toBe(true);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect((await loop).error?.code).toBe("E_TIMEOUT");
  });

  it("a start function that never returns fails the load with E_TIMEOUT", async () => {
    const dir = await pluginDir({ name: "start-loops", version: "1.0.0", limits: { timeout_ms: 200 } }, await fixture("start-never-returns.wat"));
    cleanups.push(dir.cleanup);
    await expect(host.load(dir.dir)).rejects.toThrow(/ran longer than 200 ms/);
  });
});

describe("time-outs of overlapping calls (a pool of 2)", () => {
  it("stops each call at its own deadline, not at an earlier call's", async () => {
    const host = await createHost({ database: { demo: { tickets: 10 } }, poolSize: 2 });
    const plugin = await pluginDir(faultsManifest, await fixture("faults.wat"));
    try {
      await host.load(plugin.dir);
      await host.call("faults", "ok");
      const timed = async () => {
        const started = performance.now();
        const res = await host.call("faults", "loop_forever");
        return { code: res.error?.code, ms: performance.now() - started };
      };
      const first = timed();
      await new Promise((resolve) => setTimeout(resolve, 150));
      const second = await timed();
      // Neither is stopped before its own 300 ms: not at the deadline of the call made before it
      // (the warm-up call's, for the first; the first's, for the second, which started 150 ms later).
      for (const call of [await first, second]) {
        expect(call.code).toBe("E_TIMEOUT");
        expect(call.ms).toBeGreaterThanOrEqual(295);
      }
      expect(await host.call("faults", "ok")).toMatchObject({ status: 200, body: "ok" });
    } finally {
      await host.close();
      await plugin.cleanup();
    }
  });
});

describe("calls handed to a busy worker to run next (a pool of 1)", () => {
  let host: Host;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    host = await createHost({ database: { demo: { tickets: 10 } }, poolSize: 1 });
    const plugin = await pluginDir(faultsManifest, await fixture("faults.wat"));
    cleanup = plugin.cleanup;
    await host.load(plugin.dir);
    await host.call("faults", "ok");
  });
  afterAll(async () => {
    await host.close();
    await cleanup();
  });

  it("a call handed over behind one that loops runs on the fresh worker, with its own full time", async () => {
    const started = performance.now();
    const [looped, next, loopedToo] = await Promise.all([
      host.call("faults", "loop_forever"),
      host.call("faults", "ok"),
      host.call("faults", "loop_forever").then((res) => ({ res, ms: performance.now() - started })),
    ]);
    expect(looped.error?.code).toBe("E_TIMEOUT");
    expect(next).toMatchObject({ status: 200, body: "ok" });
    // The third waited for the first's 300 ms, then had 300 ms of its own.
    expect(loopedToo.res.error?.code).toBe("E_TIMEOUT");
    expect(loopedToo.ms).toBeGreaterThanOrEqual(595);
  });

  it("a call handed over behind one that traps runs as usual", async () => {
    const [trapped, next] = await Promise.all([host.call("faults", "unreachable"), host.call("faults", "ok")]);
    expect(trapped.error?.code).toBe("E_TRAP");
    expect(next).toMatchObject({ status: 200, body: "ok" });
  });

  it("many calls at once, some with host calls, each get their own answer", async () => {
    const handlers = ["ok", "unreachable", "bad_json_args"];
    const answers = await Promise.all(Array.from({ length: 45 }, (_, i) => host.call("faults", handlers[i % 3]!)));
    answers.forEach((res, i) => {
      if (i % 3 === 0) expect(res).toMatchObject({ status: 200, body: "ok" });
      else expect(res.error?.code).toBe(i % 3 === 1 ? "E_TRAP" : "E_INVALID_ARGUMENT");
    });
  });
});
