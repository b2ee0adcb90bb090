// TypeScript plugins built for GoatFlow (`--target goatflow`: QuickJS inside each module,
// pre-initialised with the plugin's script), each figure against a baseline in the same run:
// - the FAQ plugin's module size (target <= 1.5 MB);
// - cold instantiate + gk_register (the module compiled, a new instance each time) against an
//   AssemblyScript plugin's GoatFlow build (plugins/stats, `gk plugin build --target goatflow`),
//   target <= 3x; fixtures/goatflow-c (C, no runtime at all) is a second reference row. The cost
//   of a TypeScript module's instantiation is its memory snapshot: a page fault per 4 KiB page of
//   data copied in, a little work per data segment, and the memory the module declares (Node
//   counts it against its heap). The engine zeroes what the snapshot need not hold, QuickJS keeps
//   no function sources ("use strip"), the tables of Unicode and libm load on first use, and the
//   build joins Wizer's data segments and declares the memory up to the snapshot's last byte
//   (docs/typescript.md). Compiling, once per module load, is reported beside it.
// - a trivial call through the host against the same handler on the shared QuickJS engine,
//   target <= 3x.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { measure } from "mitata";
import { createHost } from "../../packages/host/dist/index.js";
import { tsBenchPluginDir } from "./fixtures.mjs";

const root = new URL("../../", import.meta.url);

/** gk and WASI imports that answer nothing, so instantiation alone is measured. */
function bareImports(module) {
  let memory;
  const wasi = {
    clock_time_get: (_id, _precision, ptr) => (new DataView(memory.buffer).setBigUint64(ptr, 0n, true), 0),
    random_get: () => 0,
  };
  const imports = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    const fn = imp.module === "gk" ? (imp.name === "host_call" ? () => 0n : () => {}) : (wasi[imp.name] ?? (() => 52));
    (imports[imp.module] ??= {})[imp.name] = fn;
  }
  return { imports, bind: (instance) => (memory = instance.exports.memory) };
}

function instantiateAndRegister(module) {
  const { imports, bind } = bareImports(module);
  const instance = new WebAssembly.Instance(module, imports);
  bind(instance);
  instance.exports._initialize?.();
  const packed = instance.exports.gk_register();
  const ptr = Number(packed >> 32n);
  const len = Number(packed & 0xffffffffn);
  return JSON.parse(new TextDecoder().decode(new Uint8Array(instance.exports.memory.buffer, ptr, len)));
}

/** Rounds of the cold-start comparison, alternating its sides. */
const COLD_ROUNDS = 5;

/** The round whose p50 is the median of the rounds'. */
function medianRound(stats) {
  return [...stats].sort((a, b) => a.p50 - b.p50)[Math.floor(stats.length / 2)];
}

/** `record(group, name, stats, baseline, note)` as in run.mjs; `size(group, name, text)` a row without timings. */
export async function benchGoatflowTs(record, size) {
  const { buildPlugin } = await import("../../packages/sdk/dist/index.js");
  const work = await mkdtemp(join(tmpdir(), "goatkit-bench-goatflow-"));
  try {
    // Size: the FAQ plugin, both ways.
    const faqDir = new URL("plugins/faq/", root).pathname;
    const faq = await buildPlugin({ dir: faqDir, target: "goatflow", outFile: join(work, "faq-goatflow.wasm") });
    const faqShared = await buildPlugin({ dir: faqDir, outFile: join(work, "faq-quickjs.wasm") });
    const engineBytes = (await readFile(new URL("packages/sdk/goatflow-engine/engine.wasm", root))).byteLength;
    const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
    size("goatflow-ts", "FAQ plugin, GoatFlow module (engine inside)", `${kib(faq.bytes)} (${(faq.bytes / 1e6).toFixed(2)} MB); target <= 1.5 MB`);
    size("goatflow-ts", "FAQ plugin, QuickJS module (shared engine)", kib(faqShared.bytes));
    size("goatflow-ts", "the engine alone, before the script", kib(engineBytes));

    // Cold instantiate + gk_register, raw WebAssembly with inert imports.
    // The AssemblyScript baseline: the stats plugin's GoatFlow build, made here by the CLI.
    const statsDir = new URL("plugins/stats/", root).pathname;
    await promisify(execFile)(process.execPath, [new URL("packages/cli/dist/cli.js", root).pathname, "plugin", "build", "--target", "goatflow"], { cwd: statsDir });
    const asBytes = await readFile(join(statsDir, "build/goatflow/stats.wasm"));
    const cBytes = await readFile(new URL("fixtures/goatflow-c/plugin.wasm", root));
    const faqBytes = await readFile(faq.outFile);
    const asModule = new WebAssembly.Module(asBytes);
    const cModule = new WebAssembly.Module(cBytes);
    const faqModule = new WebAssembly.Module(faqBytes);
    if (instantiateAndRegister(faqModule).name !== "faq") throw new Error("the FAQ module did not register as faq");
    if (instantiateAndRegister(asModule).name !== "stats") throw new Error("the stats module did not register as stats");
    // Page faults dominate both sides, and what a fresh page costs drifts with the machine's
    // state: the sides alternate in rounds, and each reports its median round.
    const rounds = { as: [], c: [], faq: [] };
    for (let round = 0; round < COLD_ROUNDS; round++) {
      rounds.as.push(await measure(() => instantiateAndRegister(asModule)));
      rounds.c.push(await measure(() => instantiateAndRegister(cModule)));
      rounds.faq.push(await measure(() => instantiateAndRegister(faqModule)));
    }
    const asCold = record("goatflow-ts", "AS plugin (stats): instantiate + gk_register (compiled)", medianRound(rounds.as), null, "baseline (AssemblyScript, plugins/stats)");
    record("goatflow-ts", "C plugin: instantiate + gk_register (compiled)", medianRound(rounds.c), asCold, "reference (fixtures/goatflow-c)");
    record("goatflow-ts", "FAQ GoatFlow module: instantiate + gk_register (compiled)", medianRound(rounds.faq), asCold, `target <= 3x; median of ${COLD_ROUNDS} alternating rounds`);
    const asCompile = record("goatflow-ts", "AS plugin (stats): compile + instantiate + gk_register", await measure(async () => instantiateAndRegister(await WebAssembly.compile(asBytes)), { max_samples: 50 }), null, "baseline");
    record("goatflow-ts", "FAQ GoatFlow module: compile + instantiate + gk_register", await measure(async () => instantiateAndRegister(await WebAssembly.compile(faqBytes)), { max_samples: 50 }), asCompile, "compiling is once per module load");

    // A trivial call: the same source on the shared engine and as a GoatFlow module.
    const sharedDir = await tsBenchPluginDir("bench-shared");
    const goatflowDir = await tsBenchPluginDir("bench-goatflow");
    await buildPlugin({ dir: goatflowDir, target: "goatflow" });
    for (const isolation of ["worker", "in-process"]) {
      const host = await createHost({ database: { demo: false }, isolation });
      try {
        await host.load(sharedDir);
        const loaded = await host.load(goatflowDir);
        if (loaded.binding !== "goatflow") throw new Error(`the GoatFlow build loaded as ${loaded.binding}`);
        const shared = record("goatflow-ts", `trivial call, shared QuickJS engine (${isolation})`, await measure(() => host.call("bench-shared", "ok")), null, "baseline");
        record("goatflow-ts", `trivial call, GoatFlow module (${isolation})`, await measure(() => host.call("bench-goatflow", "ok")), shared, "target <= 3x");
      } finally {
        await host.close();
      }
    }
    await Promise.all([sharedDir, goatflowDir].map((d) => rm(d, { recursive: true, force: true })));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

// `node scripts/bench/goatflow-ts.mjs` runs this part alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const us = (ns) => (ns / 1000).toFixed(1);
  await benchGoatflowTs(
    (group, name, stats, baseline, note = "") => {
      const ratio = baseline ? `${(stats.p50 / baseline.p50).toFixed(2)}x` : "";
      console.log(`${group.padEnd(12)} ${name.padEnd(58)} p50 ${us(stats.p50).padStart(9)} us  p99 ${us(stats.p99).padStart(9)} us  ${ratio}  ${note}`);
      return stats;
    },
    (group, name, text) => console.log(`${group.padEnd(12)} ${name.padEnd(58)} ${text}`),
  );
  process.exit(0);
}
