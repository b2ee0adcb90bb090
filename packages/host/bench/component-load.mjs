// Component load time: the first load of a component (jco transpile, then compile and
// instantiate) against later loads of the same bytes (transpile output read from the disk
// cache). Each load runs in a fresh Node process, so nothing is shared in memory; the cache
// folder is a fresh temporary one.
//
//   pnpm build && node packages/host/bench/component-load.mjs [plugin-dir] [runs]
//
// The default plugin is fixtures/ts-kitchen-sink (built by its build script).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const pluginDir = process.argv[2] ?? fileURLToPath(new URL("../../../fixtures/ts-kitchen-sink/", import.meta.url));
const runs = Number(process.argv[3] ?? 3);
const hostEntry = new URL("../dist/index.js", import.meta.url).href;

// One load in a child process; the host caches under os.tmpdir(), which TMPDIR sets.
const LOAD = `
const { createHost } = await import(${JSON.stringify(hostEntry)});
const host = await createHost({ database: { demo: false } });
const started = performance.now();
await host.load(${JSON.stringify(pluginDir)});
const loadMs = performance.now() - started;
const callStarted = performance.now();
const res = await host.call("kitchen-sink", "echo", { query: { page: "2" } });
const callMs = performance.now() - callStarted;
if (res.status !== 200) throw new Error("echo failed: " + res.body);
await host.close();
console.log(JSON.stringify({ loadMs, callMs }));
`;

function load(cacheRoot) {
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", LOAD], { env: { ...process.env, TMPDIR: cacheRoot }, encoding: "utf8" });
  return JSON.parse(out.trim().split("\n").pop());
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const first = [];
const second = [];
const calls = [];
for (let i = 0; i < runs; i++) {
  const cacheRoot = mkdtempSync(join(tmpdir(), "goatkit-bench-"));
  try {
    first.push(load(cacheRoot).loadMs);
    const warm = load(cacheRoot);
    second.push(warm.loadMs);
    calls.push(warm.callMs);
  } finally {
    rmSync(cacheRoot, { recursive: true, force: true });
  }
}

const fmt = (ms) => `${ms.toFixed(0)} ms`;
console.log(`component: ${pluginDir}`);
console.log(`runs: ${runs} (each load in a fresh process)`);
console.log(`first load (transpile + compile + instantiate): median ${fmt(median(first))}  [${first.map(fmt).join(", ")}]`);
console.log(`second load (transpile cache hit):              median ${fmt(median(second))}  [${second.map(fmt).join(", ")}]`);
console.log(`speed-up: ${(median(first) / median(second)).toFixed(1)}x (target >= 5x)`);
console.log(`first call after a load: median ${median(calls).toFixed(2)} ms`);
