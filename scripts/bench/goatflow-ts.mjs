// TypeScript plugins built for GoatFlow (`--target goatflow`: QuickJS inside each module,
// pre-initialised with the plugin's script), each figure against a baseline in the same run:
// - the FAQ plugin's module size (target <= 1.5 MB);
// - cold instantiate + gk_register against a GoatFlow-ABI plugin without an engine
//   (fixtures/goatflow-c, in C; the AssemblyScript goatflow target is not on this branch),
//   target <= 3x;
// - a trivial call through the host against the same handler on the shared QuickJS engine,
//   target <= 3x.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
    const cBytes = await readFile(new URL("fixtures/goatflow-c/plugin.wasm", root));
    const faqBytes = await readFile(faq.outFile);
    const cModule = new WebAssembly.Module(cBytes);
    const faqModule = new WebAssembly.Module(faqBytes);
    if (instantiateAndRegister(faqModule).name !== "faq") throw new Error("the FAQ module did not register as faq");
    const cCold = record("goatflow-ts", "C plugin: instantiate + gk_register (compiled)", await measure(() => instantiateAndRegister(cModule)), null, "baseline (fixtures/goatflow-c)");
    record("goatflow-ts", "FAQ GoatFlow module: instantiate + gk_register (compiled)", await measure(() => instantiateAndRegister(faqModule)), cCold, "target <= 3x");
    const cCompile = record("goatflow-ts", "C plugin: compile + instantiate + gk_register", await measure(async () => instantiateAndRegister(await WebAssembly.compile(cBytes)), { max_samples: 50 }), null, "baseline");
    record("goatflow-ts", "FAQ GoatFlow module: compile + instantiate + gk_register", await measure(async () => instantiateAndRegister(await WebAssembly.compile(faqBytes)), { max_samples: 50 }), cCompile, "target <= 3x");

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
