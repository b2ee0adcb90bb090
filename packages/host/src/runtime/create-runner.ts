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
    default:
      throw new PluginCallError("E_LOAD", `${binding} plugins are not supported by this host yet; build against the GoatKit core ABI`);
  }
}
