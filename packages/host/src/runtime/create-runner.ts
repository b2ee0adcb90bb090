import { CoreAbiRunner } from "./core-abi-runner.js";
import { WorkerRunner } from "./worker/worker-runner.js";
import type { Binding } from "./detect-binding.js";
import { PluginCallError } from "./plugin-call-error.js";
import type { PluginRunner, RunnerOptions } from "./plugin-runner.js";

/** Picks the runtime for a module's binding. */
export async function createRunner(binding: Binding, options: RunnerOptions): Promise<PluginRunner> {
  switch (binding) {
    // GoatFlow-ABI modules run on the core ABI's machinery, with GoatFlow's dispatch and imports.
    case "core":
    case "goatflow":
      return options.isolation === "in-process"
        ? new CoreAbiRunner(options.module!, options, binding)
        : WorkerRunner.create(binding === "core" ? { kind: "core", module: options.module! } : { kind: "goatflow", module: options.module! }, options, { poolSize: options.poolSize });
    // Component plugins run in workers like core modules, or on the host's thread in-process.
    // Loaded on first use: their runtimes (jco's WASI shims, @extism/extism) cost start-up
    // time and print Node's WASI warning, which core-ABI-only hosts and the CLI should not pay.
    case "component": {
      const { ComponentRunner, checkImports } = await import("./component/component-runner.js");
      if (options.isolation === "in-process") return ComponentRunner.create(options);
      // Transpiled here (cached on disk); each worker imports the glue and instantiates.
      const { transpiled } = await import("./component/transpile-cache.js");
      const component = await transpiled(options.bytes, options.cacheDir, options.cacheMaxBytes);
      try {
        await checkImports(component);
        const runner = await WorkerRunner.create({ kind: "component", gluePath: component.gluePath, dir: component.dir, memoryMb: options.memoryMb }, options, { poolSize: options.poolSize });
        // Workers read the entry's core modules whenever one starts: it stays until the runner closes.
        const close = runner.close.bind(runner);
        runner.close = () => close().finally(component.release);
        return runner;
      } catch (error) {
        component.release();
        throw error;
      }
    }
    // QuickJS plugins carry only their script: the engine is compiled once per host and sent to
    // every worker, each of which instantiates it with the plugin's memory cap.
    case "quickjs": {
      const [{ quickjsEngine }, { pluginScript }] = await Promise.all([import("./quickjs/engine.js"), import("./quickjs/plugin-script.js")]);
      if (options.isolation === "in-process") {
        const { QuickjsRunner } = await import("./quickjs/quickjs-runner.js");
        return QuickjsRunner.create(options);
      }
      const { script } = pluginScript(options.module!);
      const engine = await quickjsEngine();
      return WorkerRunner.create({ kind: "quickjs", engine, script, memoryMb: options.memoryMb }, options, { poolSize: options.poolSize });
    }
    // Extism plugins run on the host's thread in either isolation (see ExtismRunner).
    case "extism": {
      const { ExtismRunner } = await import("./extism/extism-runner.js");
      return new ExtismRunner(options.module!, options);
    }
    default:
      throw new PluginCallError("E_LOAD", `${binding} plugins are not supported by this host yet; build against the GoatKit core ABI`);
  }
}
