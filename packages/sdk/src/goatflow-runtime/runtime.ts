/**
 * A test runtime that loads a WebAssembly module the way GoatFlow's runtime does (goatkit/goatflow
 * `internal/plugin/wasm/runtime.go`, wazero with a 256-page memory limit): the same imports, the
 * same WASI, the same start function, the same `gk_register` parsing and the same
 * `gk_malloc` → `gk_call` → `gk_free` sequence. Written from that behaviour (docs/goatflow.md),
 * so that "loads on GoatFlow" can be checked without GoatFlow.
 */
import { checkImports, checkMemory, GoatflowLoadError } from "./load-checks.js";
import { readModuleShape, withMemoryMaximum } from "./module-shape.js";
import { parseGoatflowRegistration, type GoatflowRegistration } from "./registration.js";
import { createWasi, ProcExit, type WasiOutput } from "./wasi.js";

export { GoatflowLoadError } from "./load-checks.js";

/** GoatFlow's memory limit: 256 pages of 64 KiB (its loader never changes it). */
export const GOATFLOW_MEMORY_PAGES = 256;
/** GoatFlow's per-call limit, which it does not enforce (a looping call is never stopped). */
export const GOATFLOW_CALL_TIMEOUT_MS = 30_000;
export const GOATFLOW_LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

/**
 * Answers one `host_call` function: gets the request's JSON, returns the answer's JSON value (or
 * raw bytes as a Uint8Array). Returning `undefined` or throwing is a failure: the guest gets `0`.
 */
export type HostCallHandler = (args: unknown, call: { name: string; raw: string }) => unknown;

export interface GoatflowRuntimeOptions {
  /** `host_call` functions by name; any other name fails (answers 0), as do all by default. */
  hostCalls?: Record<string, HostCallHandler>;
  /** Memory limit in pages; GoatFlow's is 256 (16 MiB). */
  memoryLimitPages?: number;
}

export interface HostCallRecord {
  name: string;
  /** The request as the guest wrote it. */
  args: string;
  /** What the guest got back: the answer's text, or null for `0`. */
  answer: string | null;
  /** Why the answer is 0, when it is. */
  failure?: string;
}

export interface LogRecord {
  /** The integer level the guest passed (0 debug, 1 info, 2 warn, 3 error). */
  level: number;
  /** GoatFlow's name for it; unknown levels are `info`, as on GoatFlow. */
  levelName: string;
  message: string;
  /** False when GoatFlow drops it: logs from `_start` and `gk_register`, before the plugin's Init. */
  delivered: boolean;
}

export interface GoatflowCallResult {
  /** The result's bytes; null when the guest answers a 0 pointer or length (GoatFlow's nil). */
  bytes: Uint8Array | null;
  /** The bytes as text, or null. */
  text: string | null;
}

/** A call that fails on GoatFlow: its HTTP answer would be 500 `{"error": "gk_call failed: ..."}`. */
export class GoatflowCallError extends Error {}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class GoatflowRuntime {
  /** The registration as GoatFlow decodes it. */
  readonly registration: GoatflowRegistration;
  /** The registration's JSON text exactly as `gk_register` returned it. */
  readonly registrationText: string;
  /** Registration fields GoatFlow does not know and ignores. */
  readonly ignoredFields: string[];
  readonly hostCalls: HostCallRecord[] = [];
  readonly logs: LogRecord[] = [];
  /** What the module wrote to stdout and stderr (GoatFlow discards it). */
  readonly output: WasiOutput;
  /** Exports the module has that GoatFlow never calls (`_initialize`). */
  readonly uncalledExports: string[];
  private readonly instance: WebAssembly.Instance;
  private readonly handlers: Record<string, HostCallHandler>;
  private initialized = false;
  private exited: number | null = null;

  private constructor(instance: WebAssembly.Instance, handlers: Record<string, HostCallHandler>, output: WasiOutput, parsed: { registration: GoatflowRegistration; ignored: string[]; text: string }, uncalled: string[]) {
    this.instance = instance;
    this.handlers = handlers;
    this.output = output;
    this.registration = parsed.registration;
    this.ignoredFields = parsed.ignored;
    this.registrationText = parsed.text;
    this.uncalledExports = uncalled;
  }

  /**
   * Loads a module as GoatFlow does; throws {@link GoatflowLoadError} naming the problem and its
   * fix where GoatFlow would refuse it.
   */
  static async load(bytes: Uint8Array, options: GoatflowRuntimeOptions = {}): Promise<GoatflowRuntime> {
    const limit = options.memoryLimitPages ?? GOATFLOW_MEMORY_PAGES;
    let module: WebAssembly.Module;
    try {
      module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
    } catch (error) {
      throw new GoatflowLoadError("E_COMPILE", `the file is not a WebAssembly module GoatFlow can compile: ${(error as Error).message}`, "give the .wasm your build wrote (gk plugin build --target goatflow)");
    }
    const shape = readModuleShape(bytes);
    checkImports(shape.imports);
    checkMemory(shape.memory, limit);
    if (shape.memory && shape.memory.maximum === null) module = await WebAssembly.compile(withMemoryMaximum(bytes, shape.memory, limit) as Uint8Array<ArrayBuffer>);
    const exports = WebAssembly.Module.exports(module).map((e) => e.name);

    const state: { runtime?: GoatflowRuntime; instance?: WebAssembly.Instance; records: { hostCalls: HostCallRecord[]; logs: LogRecord[] } } = { records: { hostCalls: [], logs: [] } };
    const output: WasiOutput = { stdout: "", stderr: "" };
    const memory = () => {
      const m = state.instance?.exports.memory;
      if (!(m instanceof WebAssembly.Memory)) throw new GoatflowLoadError("E_EXPORT", "the module does not export its memory (GoatFlow reads a module's memory even when it is not exported; this test runtime can only read an exported one)", "export the memory as `memory` (clang and TinyGo do by default)");
      return m;
    };
    const imports: WebAssembly.Imports = {
      wasi_snapshot_preview1: createWasi(memory, output) as WebAssembly.ModuleImports,
      gk: {
        host_call: (fnPtr: number, fnLen: number, argsPtr: number, argsLen: number): bigint => (state.runtime ? state.runtime.hostCall(fnPtr, fnLen, argsPtr, argsLen) : early(state.records.hostCalls, memory, fnPtr, fnLen, argsPtr, argsLen)),
        log: (level: number, ptr: number, len: number) => {
          const target = state.runtime?.logs ?? state.records.logs;
          const text = readText(memory(), ptr, len);
          if (text === null) return;
          target.push({ level, levelName: GOATFLOW_LOG_LEVELS[level] ?? "info", message: text, delivered: state.runtime?.initialized ?? false });
        },
      },
    };
    let instance: WebAssembly.Instance;
    try {
      instance = await WebAssembly.instantiate(module, imports);
      state.instance = instance;
      // wazero's default module configuration runs `_start` only; a reactor's `_initialize` is never called.
      const start = instance.exports._start;
      if (typeof start === "function") start();
    } catch (error) {
      if (error instanceof GoatflowLoadError) throw error;
      if (error instanceof ProcExit) throw new GoatflowLoadError("E_START", `_start called proc_exit(${error.code}): wazero closes the module, so gk_register can never be called`, "build a module whose _start returns (TinyGo: an empty main; clang: -mexec-model=reactor)");
      throw new GoatflowLoadError("E_START", `instantiating the module failed: ${(error as Error).message}`, "fix the trap in the module's start code");
    }
    for (const name of ["gk_register", "gk_call", "gk_malloc"]) {
      if (typeof instance.exports[name] !== "function") {
        throw new GoatflowLoadError("E_EXPORT", `the module does not export ${name}, which GoatFlow requires ("plugin missing ${name} export")`, "export gk_register, gk_call and gk_malloc (gk plugin build --target goatflow does)");
      }
    }
    memory(); // refuses a module without an exported memory before any call
    let packed: bigint;
    try {
      packed = BigInt.asUintN(64, BigInt((instance.exports.gk_register as () => bigint)()));
    } catch (error) {
      throw new GoatflowLoadError("E_REGISTER", `gk_register failed: ${(error as Error).message}`, "fix the trap in gk_register");
    }
    const text = readText(memory(), Number(packed >> 32n), Number(packed & 0xffffffffn));
    if (text === null) throw new GoatflowLoadError("E_REGISTER", "gk_register failed: failed to read manifest from memory (its pointer and length point outside the memory)", "return ptr << 32 | len of the registration JSON");
    const parsed = parseGoatflowRegistration(text);
    if (!parsed.registration) {
      throw new GoatflowLoadError("E_REGISTER", `gk_register failed: parse manifest: ${parsed.errors.join("; ")}`, "return a GKRegistration with the field types of docs/goatflow.md (a string where GoatFlow expects a string, an integer where it expects int)");
    }
    const registration = parsed.registration;
    const runtime = new GoatflowRuntime(instance, options.hostCalls ?? {}, output, { registration, ignored: parsed.ignored, text }, exports.filter((e) => e === "_initialize"));
    runtime.hostCalls.push(...state.records.hostCalls);
    runtime.logs.push(...state.records.logs);
    state.runtime = runtime;
    // GoatFlow's manager calls Init after loading: host_call and log work from here on.
    runtime.initialized = true;
    return runtime;
  }

  /** The memory's current size in pages. */
  get memoryPages(): number {
    return this.memory.buffer.byteLength / 65536;
  }

  /** Exports of the module, by name. */
  get exportNames(): string[] {
    return Object.keys(this.instance.exports);
  }

  /**
   * One call as GoatFlow makes it: `gk_malloc` the name and the arguments (none when `args` is
   * undefined, null or empty: `(0, 0)`), `gk_call`, copy the result, then `gk_free` the result,
   * the arguments and the name when `gk_free` is exported. `args` is JSON text, raw bytes, or a
   * value to serialize.
   */
  call(fn: string, args?: unknown): GoatflowCallResult {
    if (this.exited !== null) throw new GoatflowCallError(`gk_call failed: module closed with exit_code(${this.exited})`);
    const argBytes = args === undefined || args === null ? new Uint8Array(0) : args instanceof Uint8Array ? args : encoder.encode(typeof args === "string" ? args : JSON.stringify(args));
    const fnPacked = this.write(encoder.encode(fn));
    if (fnPacked === 0n) throw new GoatflowCallError("failed to allocate memory for function name");
    const frees: number[] = [Number(fnPacked >> 32n)];
    let argsPacked = 0n;
    try {
      if (argBytes.length > 0) {
        argsPacked = this.write(argBytes);
        if (argsPacked === 0n) throw new GoatflowCallError("failed to allocate memory for args");
        frees.unshift(Number(argsPacked >> 32n));
      }
      let packed: bigint;
      try {
        const gkCall = this.instance.exports.gk_call as (a: number, b: number, c: number, d: number) => bigint;
        packed = BigInt.asUintN(64, BigInt(gkCall(Number(fnPacked >> 32n), Number(fnPacked & 0xffffffffn), Number(argsPacked >> 32n), Number(argsPacked & 0xffffffffn))));
      } catch (error) {
        if (error instanceof ProcExit) this.exited = error.code;
        throw new GoatflowCallError(`gk_call failed: ${error instanceof ProcExit ? `module closed with exit_code(${error.code})` : (error as Error).message}`);
      }
      const ptr = Number(packed >> 32n);
      const len = Number(packed & 0xffffffffn);
      if (ptr === 0 || len === 0) return { bytes: null, text: null };
      if (ptr + len > this.memory.buffer.byteLength) throw new GoatflowCallError("failed to read result from memory");
      const bytes = new Uint8Array(this.memory.buffer.slice(ptr, ptr + len));
      this.free(ptr);
      return { bytes, text: decoder.decode(bytes) };
    } finally {
      if (this.exited === null) for (const ptr of frees) this.free(ptr);
    }
  }

  /** {@link call}, with the result parsed as JSON (throws when it is not JSON). */
  callJson(fn: string, args?: unknown): unknown {
    const { text } = this.call(fn, args);
    if (text === null) throw new GoatflowCallError(`${fn} answered nothing (a 0 pointer or length)`);
    return JSON.parse(text);
  }

  private get memory(): WebAssembly.Memory {
    return this.instance.exports.memory as WebAssembly.Memory;
  }

  /** GoatFlow's writeBytes: gk_malloc(len), copy, pack; 0 when empty or when anything fails. */
  private write(data: Uint8Array): bigint {
    if (data.length === 0) return 0n;
    let ptr: number;
    try {
      ptr = (this.instance.exports.gk_malloc as (n: number) => number)(data.length) >>> 0;
    } catch {
      return 0n;
    }
    if (ptr === 0 || ptr + data.length > this.memory.buffer.byteLength) return 0n;
    new Uint8Array(this.memory.buffer).set(data, ptr);
    return (BigInt(ptr) << 32n) | BigInt(data.length);
  }

  private free(ptr: number): void {
    const free = this.instance.exports.gk_free;
    if (typeof free === "function" && ptr !== 0) {
      try {
        free(ptr);
      } catch {
        // GoatFlow ignores gk_free's errors.
      }
    }
  }

  private hostCall(fnPtr: number, fnLen: number, argsPtr: number, argsLen: number): bigint {
    const name = readText(this.memory, fnPtr, fnLen);
    const raw = readText(this.memory, argsPtr, argsLen);
    if (name === null || raw === null) return 0n;
    const record: HostCallRecord = { name, args: raw, answer: null };
    this.hostCalls.push(record);
    const fail = (why: string): bigint => {
      record.failure = why;
      // GoatFlow's own log line for a failed host_call (the guest sees only 0).
      this.logs.push({ level: 3, levelName: "error", message: `host_call ${name} failed: ${why}`, delivered: true });
      return 0n;
    };
    const handler = Object.hasOwn(this.handlers, name) ? this.handlers[name] : undefined;
    if (!handler) return fail(`no answer for ${name} in this test (every host_call fails unless the test gives a handler)`);
    let args: unknown;
    try {
      // GoatFlow decodes the request into each function's Go struct: empty is an error too.
      args = JSON.parse(raw);
    } catch (error) {
      return fail(`invalid args: ${(error as Error).message}`);
    }
    let answer: unknown;
    try {
      answer = handler(args, { name, raw });
    } catch (error) {
      return fail((error as Error).message);
    }
    if (answer === undefined) return fail("the handler gave no answer");
    const bytes = answer instanceof Uint8Array ? answer : encoder.encode(JSON.stringify(answer));
    record.answer = decoder.decode(bytes);
    return this.write(bytes);
  }
}

/** host_call before Init (during `_start` or `gk_register`): GoatFlow answers 0 and records nothing; the test runtime records it. */
function early(records: HostCallRecord[], memory: () => WebAssembly.Memory, fnPtr: number, fnLen: number, argsPtr: number, argsLen: number): bigint {
  const name = readText(memory(), fnPtr, fnLen);
  records.push({ name: name ?? "?", args: readText(memory(), argsPtr, argsLen) ?? "", answer: null, failure: "called before the plugin's Init (during _start or gk_register): GoatFlow answers 0" });
  return 0n;
}

function readText(memory: WebAssembly.Memory, ptr: number, len: number): string | null {
  const p = ptr >>> 0;
  const l = len >>> 0;
  if (p + l > memory.buffer.byteLength) return null;
  return decoder.decode(new Uint8Array(memory.buffer, p, l));
}
