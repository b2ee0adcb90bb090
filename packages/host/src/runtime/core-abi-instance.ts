import { HOST_MODULE, packPtrLen, unpackPtrLen } from "@goatkit/sdk/abi";
import { HostCallError } from "../host-functions/host-call-error.js";
import { GoatKitError, messageOf } from "../errors.js";
import { ABI_HOST_FUNCTIONS, ABI_IMPORTS, jsonBytesOf, readHostArgs, type GuestHostCalls } from "../host-functions/host-function-table.js";
import type { HostCallName } from "../host-functions/host-services.js";
import type { MaybePromise } from "../services/types.js";
import { goatflowArgs, goatflowImports, goatflowResult, GuestExit, type GoatflowCall, type GoatflowGuest } from "./goatflow-abi.js";
import { PluginCallError, wasmFramesOf, type WasmFrame } from "./plugin-call-error.js";
import { checkResultSize } from "./result-size.js";

export interface CoreAbiOptions {
  /** Largest result a handler may return, in bytes. */
  maxResultBytes: number;
  /** The host clock, for AssemblyScript's `Date.now`. */
  now: () => number;
  /** `goatflow`: GoatFlow's ABI (`gk_malloc`, `gk_call`, `gk.host_call`, WASI); default `core`. */
  abi?: "core" | "goatflow";
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();
const KNOWN_HOST_IMPORTS = new Set<string>(ABI_IMPORTS.keys());

/** Thrown inside an import to end the call with a trap-like error (AssemblyScript `abort`). */
/** The guest called `abort`; the call fails with E_TRAP. */
class GuestAbort extends GoatKitError {
  constructor(
    message: string,
    /** Where the guest called abort: the standard library's own checks name ~lib files, the caller's line is in these. */
    readonly wasmFrames: WasmFrame[] = [],
  ) {
    super("E_TRAP", message);
    this.name = "GuestAbort";
  }
}

/** The guest's frames below the current import call (it runs on the guest's stack). */
function guestFrames(): WasmFrame[] {
  const limit = Error.stackTraceLimit;
  // Deep enough for the author's frame below the standard library's and the SDK's.
  Error.stackTraceLimit = 64;
  try {
    return wasmFramesOf(new Error().stack);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * One instance of a core-ABI module (docs/abi.md) with its `host` imports bound to HostCalls,
 * or of a GoatFlow-ABI module (docs/goatflow.md): the same memory, result and trap handling,
 * with GoatFlow's allocator, dispatch and imports.
 * It runs on the calling thread; all host functions must answer synchronously here.
 * After a trap the instance's memory may be inconsistent, so `broken` tells the owner to
 * replace it.
 */
export class CoreAbiInstance implements GoatflowGuest {
  broken = false;
  /** The GoatFlow call being served (its config and translations answer config_get and translate). */
  current: GoatflowCall | null = null;
  readonly #memory: WebAssembly.Memory;
  readonly #exports: WebAssembly.Exports;
  readonly #alloc: (size: number) => number;

  private constructor(
    instance: WebAssembly.Instance,
    private readonly options: CoreAbiOptions,
  ) {
    this.#exports = instance.exports;
    const memory = this.#exports.memory;
    const allocName = options.abi === "goatflow" ? "gk_malloc" : "gk_alloc";
    const alloc = this.#exports[allocName];
    if (!(memory instanceof WebAssembly.Memory)) throw new PluginCallError("E_LOAD", "the module does not export its memory as `memory`; export it (core ABI v1 requires it)");
    if (typeof alloc !== "function") throw new PluginCallError("E_LOAD", `the module does not export \`${allocName}(size: i32) -> i32\`; the host needs it to pass requests`);
    this.#memory = memory;
    this.#alloc = alloc as (size: number) => number;
  }

  static instantiate(module: WebAssembly.Module, calls: GuestHostCalls, options: CoreAbiOptions): CoreAbiInstance {
    const imports = options.abi === "goatflow" ? goatflowImports(module, calls, () => self, options.now) : coreAbiImports(module, calls, options, () => self);
    let instance: WebAssembly.Instance;
    try {
      instance = new WebAssembly.Instance(module, imports);
    } catch (error) {
      throw new PluginCallError("E_LOAD", `the module failed to start: ${messageOf(error)}`, { cause: error });
    }
    const self: CoreAbiInstance = new CoreAbiInstance(instance, options);
    const init = instance.exports._initialize ?? instance.exports._start;
    if (typeof init === "function") self.#guard("initialisation", () => init());
    return self;
  }

  get exportNames(): string[] {
    return Object.keys(this.#exports);
  }

  /** Calls `gk_register()` and returns its bytes (null for nothing). */
  register(): Uint8Array | null {
    const fn = this.#exports.gk_register;
    if (typeof fn !== "function") throw new PluginCallError("E_REGISTRATION", "the module does not export `gk_register() -> i64`");
    return this.#readResult(this.#guard("gk_register", () => fn() as bigint), "gk_register");
  }

  /** The ABI version the module says it was built for (1 when it does not say). */
  abiVersion(): number {
    const fn = this.#exports.gk_abi_version;
    return typeof fn === "function" ? Number(this.#guard("gk_abi_version", () => fn())) : 1;
  }

  /** Writes the request through `gk_alloc`, calls the handler and copies out its result. */
  call(handler: string, request: Uint8Array, envelope?: object): Uint8Array | null {
    if (this.options.abi === "goatflow") return this.#callGoatflow(handler, (envelope as GoatflowCall | undefined) ?? (JSON.parse(utf8.decode(request)) as GoatflowCall));
    const fn = this.#exports[handler];
    if (typeof fn !== "function" || handler.startsWith("gk_") || handler === "memory") {
      throw new PluginCallError("E_UNKNOWN_HANDLER", `the plugin does not export a handler named "${handler}"`);
    }
    const { ptr, len } = this.#guard(handler, () => this.writeBytes(request));
    return this.#readResult(this.#guard(handler, () => fn(ptr, len) as bigint), handler);
  }

  /**
   * GoatFlow's dispatch: the request envelope becomes its flat arguments, the name and the
   * arguments are `gk_malloc`ed, `gk_call` runs, its result is copied out and every buffer freed.
   */
  #callGoatflow(handler: string, call: GoatflowCall): Uint8Array | null {
    const gkCall = this.#exports.gk_call;
    if (typeof gkCall !== "function") throw new PluginCallError("E_LOAD", "the module does not export `gk_call(fnPtr, fnLen, argsPtr, argsLen: i32) -> i64`");
    const free = this.#exports.gk_free;
    const args = goatflowArgs(call);
    this.current = call;
    try {
      const name = this.#guard(handler, () => this.writeBytes(encoder.encode(handler)));
      const input = args === null ? { ptr: 0, len: 0 } : this.#guard(handler, () => this.writeBytes(args));
      const packed = this.#guard(handler, () => gkCall(name.ptr, name.len, input.ptr, input.len) as bigint);
      const result = this.#readResult(packed, handler);
      if (typeof free === "function") {
        this.#guard(handler, () => {
          if (packed !== 0n) free(unpackPtrLen(packed).ptr);
          free(name.ptr);
          if (input.ptr !== 0) free(input.ptr);
        });
      }
      return goatflowResult(call, handler, result);
    } finally {
      this.current = null;
    }
  }

  /** Copies host bytes to a guest address, checking the range against the current memory size. */
  writeAt(ptr: number, bytes: Uint8Array): void {
    const buffer = this.#memory.buffer;
    if (ptr < 0 || ptr + bytes.byteLength > buffer.byteLength) {
      throw new PluginCallError("E_BAD_POINTER", `pointer ${ptr} with length ${bytes.byteLength} is outside the plugin's memory (${buffer.byteLength} bytes)`);
    }
    new Uint8Array(buffer, ptr, bytes.byteLength).set(bytes);
  }

  /** Copies guest bytes out, checking the range against the current memory size. */
  readBytes(ptr: number, len: number): Uint8Array {
    const buffer = this.#memory.buffer;
    if (ptr < 0 || len < 0 || ptr + len > buffer.byteLength) {
      throw new PluginCallError("E_BAD_POINTER", `pointer ${ptr} with length ${len} is outside the plugin's memory (${buffer.byteLength} bytes)`);
    }
    return new Uint8Array(buffer, ptr, len).slice();
  }

  /** Allocates through `gk_alloc` and copies bytes in; returns the guest pointer and length. */
  writeBytes(bytes: Uint8Array): { ptr: number; len: number } {
    // Never ask for 0 bytes: a 0 pointer would read as "nothing" in a packed result.
    const ptr = this.#alloc(Math.max(1, bytes.byteLength)) >>> 0;
    const buffer = this.#memory.buffer;
    if (ptr === 0 || ptr + bytes.byteLength > buffer.byteLength) {
      throw new PluginCallError("E_ALLOC_FAILED", `gk_alloc(${bytes.byteLength}) returned ${ptr}, which is not usable memory`);
    }
    new Uint8Array(buffer, ptr, bytes.byteLength).set(bytes);
    return { ptr, len: bytes.byteLength };
  }

  #readResult(packed: bigint, what: string): Uint8Array | null {
    if (packed === 0n) return null;
    const { ptr, len } = unpackPtrLen(packed);
    checkResultSize(what, len, this.options.maxResultBytes);
    try {
      return this.readBytes(ptr, len);
    } catch (error) {
      if (error instanceof PluginCallError) throw new PluginCallError(error.code, `${what} returned a bad result: ${error.message}`);
      throw error;
    }
  }

  #guard<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (error instanceof PluginCallError) throw error;
      this.broken = true;
      if (error instanceof GuestAbort) throw new PluginCallError("E_TRAP", `${what} aborted: ${error.message}`, { cause: error, wasmFrames: error.wasmFrames });
      if (error instanceof GuestExit) throw new PluginCallError("E_TRAP", `${what} aborted: ${error.message}`, { cause: error });
      if (error instanceof WebAssembly.RuntimeError || error instanceof RangeError) {
        throw new PluginCallError("E_TRAP", `${what} trapped: ${error.message}`, { cause: error, wasmFrames: wasmFramesOf(error.stack) });
      }
      throw new PluginCallError("E_TRAP", `${what} failed: ${messageOf(error)}`, { cause: error });
    }
  }
}

type Imports = Record<string, Record<string, WebAssembly.ImportValue>>;

/**
 * Builds the import object for exactly what the module imports, refusing anything the host
 * does not provide with a message that names it.
 */
function coreAbiImports(module: WebAssembly.Module, calls: GuestHostCalls, options: CoreAbiOptions, instance: () => CoreAbiInstance): Imports {
  const str = (ptr: number, len: number): string => {
    if (len === 0) return "";
    try {
      return utf8.decode(instance().readBytes(ptr >>> 0, len >>> 0));
    } catch (error) {
      if (error instanceof PluginCallError) throw new HostCallError("E_INVALID_ARGUMENT", error.message);
      throw new HostCallError("E_INVALID_ARGUMENT", "an argument is not valid UTF-8");
    }
  };
  const bytes = (ptr: number, len: number): Uint8Array => {
    try {
      return instance().readBytes(ptr >>> 0, len >>> 0);
    } catch (error) {
      throw new HostCallError("E_INVALID_ARGUMENT", messageOf(error));
    }
  };
  const out = (data: Uint8Array | string | null): bigint => {
    if (data === null) return 0n;
    const { ptr, len } = instance().writeBytes(typeof data === "string" ? encoder.encode(data) : data);
    return packPtrLen(ptr, len);
  };
  const json = (value: unknown): bigint => out(jsonBytesOf(value));
  // One import per table row: each string or bytes argument is a (ptr, len) pair, a u32 one i32.
  const host: Record<string, (...args: number[]) => number | bigint | void> = {};
  for (const entry of ABI_HOST_FUNCTIONS) {
    const run = (params: number[]) => {
      let p = 0;
      const args = readHostArgs(entry, (kind) => {
        if (kind === "flag") return undefined;
        if (kind === "u32") return params[p++]! >>> 0;
        const [ptr, len] = [params[p++]!, params[p++]!];
        return kind === "string" ? str(ptr, len) : bytes(ptr, len);
      });
      return syncOnly(entry.name, calls.call(entry.name, args));
    };
    host[entry.name] = (...params: number[]) => {
      if (entry.result === "none") return void run(params);
      try {
        const value = run(params);
        if (entry.result === "json") return json(value);
        if (entry.result === "bytes") return out(value as Uint8Array | null);
        return 0;
      } catch (error) {
        // JSON functions answer the error envelope, bytes ones nothing, status ones the code.
        const envelope = envelopeOf(calls, entry.name, error);
        if (entry.result === "json") return json(envelope);
        if (entry.result === "bytes") return 0n;
        return error instanceof HostCallError ? error.numericCode : 4;
      }
    };
  }
  host.last_error = () => (calls.lastError ? json(calls.lastError) : 0n);

  const env = assemblyScriptEnv(calls, options, instance);
  const imports: Imports = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    let value: WebAssembly.ImportValue | undefined;
    if (imp.module === HOST_MODULE && KNOWN_HOST_IMPORTS.has(imp.name)) value = host[imp.name];
    else if (imp.module === "env") value = env[imp.name];
    if (value === undefined || imp.kind !== "function") {
      const known = imp.module === HOST_MODULE ? ` Known host functions: ${[...KNOWN_HOST_IMPORTS].join(", ")}.` : "";
      throw new PluginCallError("E_UNKNOWN_IMPORT", `the module imports ${imp.kind} "${imp.module}.${imp.name}", which this host does not provide.${known}`);
    }
    (imports[imp.module] ??= {})[imp.name] = value;
  }
  return imports;
}

/** AssemblyScript's runtime imports, so AS plugins need no shims (docs/abi.md). */
function assemblyScriptEnv(calls: GuestHostCalls, options: CoreAbiOptions, instance: () => CoreAbiInstance): Record<string, WebAssembly.ImportValue> {
  // AS strings are UTF-16 with their byte length stored 4 bytes before the data.
  const asString = (ptr: number): string => {
    if (ptr === 0) return "";
    try {
      const len = new DataView(instance().readBytes((ptr >>> 0) - 4, 4).buffer).getUint32(0, true);
      return Buffer.from(instance().readBytes(ptr >>> 0, len)).toString("utf16le");
    } catch {
      return "(unreadable)";
    }
  };
  return {
    abort: (msg: number, file: number, line: number, col: number) => {
      throw new GuestAbort(`${asString(msg) || "abort"} at ${asString(file) || "?"}:${line}:${col}`, guestFrames());
    },
    trace: (msg: number, n: number, ...args: number[]) => {
      calls.log("debug", `trace: ${asString(msg)}${n > 0 ? ` ${args.slice(0, n).join(", ")}` : ""}`, "");
    },
    seed: () => Math.random() * 2 ** 52,
    "Date.now": () => options.now(),
  };
}

function syncOnly<T>(fn: HostCallName, value: MaybePromise<T>): T {
  if (value instanceof Promise) {
    value.catch(() => {});
    throw new HostCallError("E_SERVICE", `${fn} needs an asynchronous service, which in-process plugins cannot wait for; run the plugin isolated (the default)`);
  }
  return value;
}

function envelopeOf(calls: GuestHostCalls, fn: HostCallName, error: unknown) {
  const hostError = error instanceof HostCallError ? error : new HostCallError("E_SERVICE", `${fn} failed: ${messageOf(error)}`);
  calls.lastError = hostError.envelope;
  return hostError.envelope;
}
