import type { HostCalls } from "../host-functions/host-calls.js";
import type { Binding } from "./detect-binding.js";

/**
 * What the plugin layer needs from a binding's runtime: register, call, close. Each binding
 * (core ABI, component, Extism) and each isolation mode (in-process, worker) implements it;
 * the plugin layer never sees which.
 */
export interface PluginRunner {
  readonly binding: Binding;
  /** Export names of the module (handlers and ABI exports). */
  readonly exports: readonly string[];
  /** Calls the module's registration and returns its text. */
  register(): Promise<string>;
  /**
   * Calls a handler with the encoded request envelope; null means "nothing". `envelope` is the
   * same request as an object: a runner on the host's thread may read it instead of decoding
   * `request` again (GoatFlow's dispatch needs its fields, not its bytes).
   */
  call(handler: string, request: Uint8Array, envelope?: object): Promise<Uint8Array | null>;
  close(): Promise<void>;
  /** The operating-system process serving the plugin (gRPC plugins only). */
  readonly pid?: number | undefined;
}

export interface RunnerOptions {
  bytes: Uint8Array<ArrayBuffer>;
  module: WebAssembly.Module | null;
  calls: HostCalls;
  maxResultBytes: number;
  timeoutMs: number;
  memoryMb: number;
  now: () => number;
  /** Where a runtime may cache derived artefacts (transpiled components). */
  cacheDir: string;
  /** Size limit of `cacheDir`'s transpiled components; least recently used ones are removed beyond it. */
  cacheMaxBytes?: number;
  /** `worker` (default): isolated, with time-outs; `in-process`: trusted, fastest, no time-outs. */
  isolation: Isolation;
  /** Warm workers per plugin in `worker` isolation. */
  poolSize: number;
}

export type Isolation = "worker" | "in-process";
