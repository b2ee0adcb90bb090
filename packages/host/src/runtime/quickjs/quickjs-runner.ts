/**
 * Runs a QuickJS-binding plugin on the host's thread (the trusted in-process mode). Unlike the
 * other in-process runners it keeps time-outs: the engine's interrupt handler stops a script
 * that runs past `limits.timeout_ms`. What it gives up is the rest of isolation: host functions
 * must answer synchronously, and the plugin shares the host's thread while it runs.
 */
import type { PluginRunner, RunnerOptions } from "../plugin-runner.js";
import { PluginCallError } from "../plugin-call-error.js";
import { quickjsEngine, type Engine } from "./engine.js";
import { pluginScript } from "./plugin-script.js";
import { QuickjsInstance, STACK_BYTES } from "./quickjs-instance.js";
import { resultBytes } from "./result-bytes.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

export class QuickjsRunner implements PluginRunner {
  readonly binding = "quickjs" as const;
  #instance: QuickjsInstance | null;

  private constructor(
    readonly exports: readonly string[],
    instance: QuickjsInstance,
    private readonly newInstance: () => Promise<QuickjsInstance>,
    private readonly options: RunnerOptions,
  ) {
    this.#instance = instance;
  }

  static async create(options: RunnerOptions): Promise<QuickjsRunner> {
    // The guest waits on this thread: services answer with their blocking variants.
    options.calls.synchronous = true;
    const { script } = pluginScript(options.module!);
    const engine: Engine = await quickjsEngine();
    const newInstance = () => QuickjsInstance.create(engine, script, options.calls, { memoryMb: options.memoryMb, now: options.now, timeoutMs: options.timeoutMs, maxStackBytes: STACK_BYTES["in-process"] });
    const instance = await newInstance();
    return new QuickjsRunner(instance.handlers(), instance, newInstance, options);
  }

  async register(): Promise<string> {
    return this.#run((instance) => instance.register());
  }

  async call(handler: string, request: Uint8Array): Promise<Uint8Array | null> {
    this.options.calls.beginCall();
    let text: string;
    try {
      text = utf8.decode(request);
    } catch {
      throw new PluginCallError("E_INVALID_UTF8", "the request is not valid UTF-8");
    }
    const result = await this.#run((instance) => instance.call(handler, text));
    return resultBytes(handler, result, this.options.maxResultBytes);
  }

  async close(): Promise<void> {
    this.#instance?.dispose();
    this.#instance = null;
  }

  async #run<T>(fn: (instance: QuickjsInstance) => T): Promise<T> {
    const instance = (this.#instance ??= await this.newInstance());
    try {
      return fn(instance);
    } finally {
      // After a time-out, running out of memory or a trap, the next call starts afresh.
      if (instance.broken) {
        this.#instance = null;
        instance.dispose();
      }
    }
  }
}
