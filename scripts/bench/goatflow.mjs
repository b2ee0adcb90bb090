// A trivial call of a GoatFlow-ABI plugin (docs/goatflow.md: gk_malloc the name, gk_call, copy the
// result out, gk_free) against the same call of the core-ABI module, in the same hosts and the
// same run; target within 1.2x. Run by run.mjs, or alone: `node scripts/bench/goatflow.mjs`.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { measure } from "mitata";
import { createHost } from "../../packages/host/dist/index.js";
import { benchPluginDir, goatflowModule } from "./fixtures.mjs";

export async function benchGoatflow(record) {
  const dir = await mkdtemp(join(tmpdir(), "goatkit-bench-goatflow-"));
  // A bare module, described by its gk_register alone, as GoatFlow loads it.
  await writeFile(join(dir, "bench-goatflow.wasm"), goatflowModule("bench-goatflow"));
  const core = await benchPluginDir("bench-core");
  try {
    for (const isolation of ["in-process", "worker"]) {
      const host = await createHost({ database: { demo: { tickets: 10 } }, isolation });
      try {
        await host.load(core);
        await host.load(join(dir, "bench-goatflow.wasm"));
        const label = isolation === "worker" ? "isolated (worker)" : "in-process";
        const baseline = record("goatflow", `core-ABI call, ${label}`, await measure(() => host.call("bench-core", "ok")), null, "baseline for the row below");
        record("goatflow", `GoatFlow gk_call, ${label}`, await measure(() => host.call("bench-goatflow", "ok")), baseline, "target <= 1.2x the core-ABI call");
      } finally {
        await host.close();
      }
    }
  } finally {
    await Promise.all([dir, core].map((d) => rm(d, { recursive: true, force: true })));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const us = (ns) => ns / 1000;
  await benchGoatflow((group, name, stats, baseline) => {
    const ratio = baseline ? `${(stats.p50 / baseline.p50).toFixed(2)}x` : "baseline";
    console.log(`${group.padEnd(10)} ${name.padEnd(44)} p50 ${us(stats.p50).toFixed(1).padStart(9)} us  p99 ${us(stats.p99).toFixed(1).padStart(9)} us  ${ratio}`);
    return stats;
  });
  process.exit(0);
}
