import { exportsOf, guestFactory, GuestHolder, type GuestSource } from "./guest.js";
import { PluginCallError, requireAbiVersion } from "./plugin-call-error.js";
import type { PluginRunner, RunnerOptions } from "./plugin-runner.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Runs a plugin's instance on the host's thread (the trusted in-process mode), whatever its
 * binding. It gives up what isolation buys: a call cannot be stopped when it loops (QuickJS
 * alone stops itself, through its engine's interrupt handler), and host functions must answer
 * synchronously, since the guest waits on this thread.
 */
export class InProcessRunner implements PluginRunner {
  readonly binding: GuestSource["kind"];

  private constructor(
    readonly exports: readonly string[],
    source: GuestSource,
    private readonly holder: GuestHolder,
    private readonly options: RunnerOptions,
  ) {
    this.binding = source.kind;
  }

  static async create(source: GuestSource, options: RunnerOptions): Promise<InProcessRunner> {
    // The guest waits on this thread: services answer with their blocking variants.
    options.calls.synchronous = true;
    const newInstance = await guestFactory(source, options.calls, { maxResultBytes: options.maxResultBytes, now: options.now, isolation: "in-process", timeoutMs: options.timeoutMs });
    const holder = new GuestHolder(newInstance);
    // Bindings whose module does not list its handlers tell them from a first instance, which
    // then serves the first call.
    const exports = (await exportsOf(source)) ?? (await holder.use((instance) => instance.handlers()));
    return new InProcessRunner(exports, source, holder, options);
  }

  async register(): Promise<string> {
    const bytes = await this.holder.use(async (instance) => {
      requireAbiVersion(instance.abiVersion());
      return instance.register();
    });
    if (bytes === null) throw new PluginCallError("E_REGISTRATION", "gk_register returned nothing; it must return the registration JSON");
    try {
      return utf8.decode(bytes);
    } catch {
      throw new PluginCallError("E_INVALID_UTF8", "gk_register returned bytes that are not valid UTF-8");
    }
  }

  call(handler: string, request: Uint8Array, envelope?: object): Promise<Uint8Array | null> {
    this.options.calls.beginCall();
    return this.holder.use((instance) => instance.call(handler, request, envelope));
  }

  close(): Promise<void> {
    return this.holder.close();
  }
}
