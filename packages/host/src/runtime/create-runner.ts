import { CoreAbiRunner } from "./core-abi-runner.js";
import { WorkerRunner } from "./worker/worker-runner.js";
import type { Binding } from "./detect-binding.js";
import { PluginCallError } from "./plugin-call-error.js";
import type { PluginRunner, RunnerOptions } from "./plugin-runner.js";

/** Picks the runtime for a module's binding. */
export async function createRunner(binding: Binding, options: RunnerOptions): Promise<PluginRunner> {
  switch (binding) {
    case "core":
      return options.isolation === "in-process" ? new CoreAbiRunner(options.module!, options) : new WorkerRunner(options.module!, options, { poolSize: options.poolSize });
    // Component plugins run on the host's thread in either isolation (see ComponentRunner).
    // Loaded on first use: their runtimes (jco's WASI shims, @extism/extism) cost start-up
    // time and print Node's WASI warning, which core-ABI-only hosts and the CLI should not pay.
    case "component": {
      const { ComponentRunner } = await import("./component/component-runner.js");
      return ComponentRunner.create(options);
    }
    // So do Extism plugins (see ExtismRunner).
    case "extism": {
      const { ExtismRunner } = await import("./extism/extism-runner.js");
      return new ExtismRunner(options.module!, options);
    }
    default:
      throw new PluginCallError("E_LOAD", `${binding} plugins are not supported by this host yet; build against the GoatKit core ABI`);
  }
}
