import type { HostCalls } from "../host-functions/host-calls.js";
import type { Manifest } from "@goatkit/sdk";
import type { LogStore } from "../services/log-store.js";
import type { Binding } from "./detect-binding.js";
import type { GrpcProcessSettings } from "./grpc/process-user.js";

/**
 * What the plugin layer needs from a binding's runtime: register, call, close. createRunner
 * makes every one of them (WorkerRunner, InProcessRunner, GrpcRunner); the plugin layer never
 * sees which.
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
  /** What the runner can tell about where the plugin runs (admin API, dashboard, metrics). */
  info?(): RunnerInfo;
}

export interface RunnerInfo {
  /** The operating-system process serving the plugin, when it has one of its own. */
  pid?: number | undefined;
}

/** A WebAssembly module, its binding told from its bytes (wasm-source.ts). */
export interface WasmSource {
  binding: Exclude<Binding, "grpc">;
  bytes: Uint8Array<ArrayBuffer>;
  /** Compiled with the memory cap; null for a component, which is transpiled instead. */
  module: WebAssembly.Module | null;
}

/** A plugin executable that serves the GoatKit gRPC protocol (manifest `runtime: "grpc"`). */
export interface ProcessSource {
  binding: "grpc";
  /** The executable (absolute). */
  executable: string;
  /** The plugin folder: the process's working directory. */
  cwd: string;
  manifest: Manifest;
  logs: LogStore;
  /** The host's gRPC process settings; absent, the defaults for this machine. */
  processes: GrpcProcessSettings | undefined;
  maxLogBytes: number;
}

/** What createRunner starts a plugin from. */
export type RunnerSource = WasmSource | ProcessSource;

export interface RunnerOptions {
  calls: HostCalls;
  maxResultBytes: number;
  timeoutMs: number;
  memoryMb: number;
  now: () => number;
  /** Where a runtime may cache derived artefacts (transpiled components). */
  cacheDir: string;
  /** Size limit of `cacheDir`'s transpiled components; least recently used ones are removed beyond it. */
  cacheMaxBytes?: number;
  /**
   * `worker` (default): isolated, with time-outs; `in-process`: trusted, fastest, no time-outs.
   * Every WebAssembly binding honours it; a gRPC plugin always runs in a process of its own.
   */
  isolation: Isolation;
  /** Warm workers per plugin in `worker` isolation. */
  poolSize: number;
}

export type Isolation = "worker" | "in-process";
