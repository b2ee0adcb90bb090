/**
 * The spare QuickJS worker: a host running QuickJS plugins keeps one worker booted with the
 * engine warm; the next QuickJS plugin's worker is that one, and the spare goes with the last
 * QuickJS plugin.
 */
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost, type Host } from "../src/index.js";
import { HostCalls } from "../src/host-functions/host-calls.js";
import { grantsOf } from "../src/host-functions/plugin-grants.js";
import { createRunner } from "../src/runtime/create-runner.js";
import type { RunnerOptions, WasmSource } from "../src/runtime/plugin-runner.js";
import { spareWorkers } from "../src/runtime/worker/spare-workers.js";
import type { WorkerRunner } from "../src/runtime/worker/worker-runner.js";
import { buildForQuickjs } from "./support/quickjs-build.js";

const fixture = await buildForQuickjs(new URL("./fixtures/quickjs/sandbox/", import.meta.url).pathname);
afterAll(() => fixture.cleanup());

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(condition()).toBe(true);
}

describe("the spare QuickJS worker", () => {
  let host: Host;
  let options: () => RunnerOptions;
  let source: WasmSource;
  beforeAll(async () => {
    host = await createHost({ database: { demo: { tickets: 1 } } });
    const bytes = new Uint8Array(await readFile(join(fixture.dir, "build/plugin.wasm")));
    const module = new WebAssembly.Module(bytes);
    source = { binding: "quickjs", bytes, module };
    options = () => ({
      calls: HostCalls.create("quickjs-sandbox", grantsOf({ name: "quickjs-sandbox", version: "1.0.0" }), host.services),
      maxResultBytes: 1024 * 1024,
      timeoutMs: 5000,
      memoryMb: 256,
      now: Date.now,
      cacheDir: tmpdir(),
      isolation: "worker",
      poolSize: 1,
    });
  });
  afterAll(() => host.close());

  it("starts with the first QuickJS plugin, serves the next one, and ends with the last", async () => {
    expect(spareWorkers.threadId).toBeNull();
    const first = (await createRunner(source, options())) as WorkerRunner;
    await until(() => spareWorkers.threadId !== null);
    const spare = spareWorkers.threadId;
    const second = (await createRunner(source, options())) as WorkerRunner;
    expect(second.threadIds).toEqual([spare]);
    expect(new TextDecoder().decode((await second.call("ok", new TextEncoder().encode("{}")))!)).toBe("ok");
    await until(() => spareWorkers.threadId !== null);
    expect(spareWorkers.threadId).not.toBe(spare);
    await first.close();
    expect(spareWorkers.threadId).not.toBeNull();
    await second.close();
    expect(spareWorkers.threadId).toBeNull();
  });
});
