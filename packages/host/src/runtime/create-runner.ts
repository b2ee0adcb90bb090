import type { GuestSource } from "./guest.js";
import { InProcessRunner } from "./in-process-runner.js";
import { PluginCallError } from "./plugin-call-error.js";
import type { PluginRunner, RunnerOptions, RunnerSource, WasmSource } from "./plugin-runner.js";
import { WorkerRunner } from "./worker/worker-runner.js";

/**
 * The one way a plugin gets a runner. Isolation is chosen here, once, for every WebAssembly
 * binding: `worker` runs the guest in worker threads (time-outs, blocking host calls answered
 * by the host thread), `in-process` on the host's thread. A gRPC plugin is a process of its
 * own, more isolated than either, whatever `isolation` says.
 */
export async function createRunner(source: RunnerSource, options: RunnerOptions): Promise<PluginRunner> {
  if (source.binding === "grpc") {
    // Loaded on first use: gRPC's client and protocol files are no cost for WebAssembly-only hosts.
    const { startGrpcRunner } = await import("./grpc/start-grpc-runner.js");
    return startGrpcRunner(source, options);
  }
  const { guest, release } = await guestSourceOf(source, options);
  try {
    const runner = options.isolation === "in-process" ? await InProcessRunner.create(guest, options) : await WorkerRunner.create(guest, options, { poolSize: options.poolSize });
    if (release) {
      // What the instances are made from (a component's files) stays until the runner closes.
      const close = runner.close.bind(runner);
      runner.close = () => close().finally(release);
    }
    return runner;
  } catch (error) {
    release?.();
    throw error;
  }
}

/**
 * What the binding's instances are made from, in either isolation. Runtimes other than the core
 * ABI's are loaded on first use: jco's WASI shims, @extism/extism and the QuickJS engine cost
 * start-up time (and Node's WASI warning) that core-ABI-only hosts and the CLI should not pay.
 */
async function guestSourceOf(source: WasmSource, options: RunnerOptions): Promise<{ guest: GuestSource; release?: () => void }> {
  const { binding, module } = source;
  switch (binding) {
    // GoatFlow-ABI modules run on the core ABI's machinery, with GoatFlow's dispatch and imports.
    case "core":
    case "goatflow":
      return { guest: { kind: binding, module: module! } };
    case "extism": {
      const { checkExtismImports } = await import("./extism/extism-instance.js");
      checkExtismImports(module!);
      return { guest: { kind: "extism", module: module! } };
    }
    // Transpiled here (cached on disk); each instance imports the glue. The cache keeps the
    // entry's core modules until released.
    case "component": {
      const [{ transpiled }, { checkImports }] = await Promise.all([import("./component/transpile-cache.js"), import("./component/component-modules.js")]);
      const component = await transpiled(source.bytes, options.cacheDir, options.cacheMaxBytes);
      try {
        await checkImports(component);
      } catch (error) {
        component.release();
        throw error;
      }
      return { guest: { kind: "component", gluePath: component.gluePath, dir: component.dir, memoryMb: options.memoryMb }, release: component.release };
    }
    // QuickJS plugins carry only their script: the engine is compiled once per host and shared
    // by every instance, each made with the plugin's memory cap.
    case "quickjs": {
      const [{ quickjsEngine }, { pluginScript }] = await Promise.all([import("./quickjs/engine.js"), import("./quickjs/plugin-script.js")]);
      const { script } = pluginScript(module!);
      return { guest: { kind: "quickjs", engine: await quickjsEngine(), script, memoryMb: options.memoryMb } };
    }
    default:
      throw new PluginCallError("E_LOAD", `${binding as string} plugins are not supported by this host yet; build against the GoatKit core ABI`);
  }
}
