import { HOST_FUNCTIONS, HOST_MODULE, packPtrLen, unpackPtrLen, type HostFunctionName } from "@goatkit/sdk/abi";
import { HostCallError } from "../host-functions/host-call-error.js";
import { GoatKitError, messageOf } from "../errors.js";
import type { GuestHostCalls } from "../host-functions/host-calls.js";
import type { MaybePromise } from "../services/types.js";
import { goatflowArgs, goatflowImports, goatflowResult, GuestExit, type GoatflowCall, type GoatflowGuest } from "./goatflow-abi.js";
import { PluginCallError } from "./plugin-call-error.js";
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
const KNOWN_HOST_IMPORTS = new Set<string>(HOST_FUNCTIONS.map((f) => f.name));

/** Thrown inside an import to end the call with a trap-like error (AssemblyScript `abort`). */
/** The guest called `abort`; the call fails with E_TRAP. */
class GuestAbort extends GoatKitError {
  constructor(message: string) {
    super("E_TRAP", message);
    this.name = "GuestAbort";
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
      if (error instanceof GuestAbort || error instanceof GuestExit) throw new PluginCallError("E_TRAP", `${what} aborted: ${error.message}`, { cause: error });
      if (error instanceof WebAssembly.RuntimeError || error instanceof RangeError) {
        throw new PluginCallError("E_TRAP", `${what} trapped: ${error.message}`, { cause: error });
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
  const json = (value: unknown): bigint => out(JSON.stringify(value));
  // Host functions answering JSON return the error envelope on failure.
  const jsonCall = (fn: HostFunctionName, body: () => MaybePromise<unknown>): bigint => {
    try {
      return json(syncOnly(fn, body()));
    } catch (error) {
      return json(envelopeOf(calls, fn, error));
    }
  };
  const codeCall = (fn: HostFunctionName, body: () => MaybePromise<unknown>): number => {
    try {
      syncOnly(fn, body());
      return 0;
    } catch (error) {
      envelopeOf(calls, fn, error);
      return error instanceof HostCallError ? error.numericCode : 4;
    }
  };

  const host: Record<HostFunctionName, (...args: number[]) => number | bigint | void> = {
    db_query: (q, ql, a, al) => jsonCall("db_query", () => calls.dbQuery(str(q!, ql!), str(a!, al!))),
    db_exec: (q, ql, a, al) => jsonCall("db_exec", () => calls.dbExec(str(q!, ql!), str(a!, al!))),
    cache_get: (k, kl) => {
      try {
        return out(syncOnly("cache_get", calls.cacheGet(str(k!, kl!))));
      } catch (error) {
        envelopeOf(calls, "cache_get", error);
        return 0n;
      }
    },
    cache_set: (k, kl, v, vl, ttl) => codeCall("cache_set", () => calls.cacheSet(str(k!, kl!), bytes(v!, vl!), ttl! >>> 0)),
    cache_delete: (k, kl) => codeCall("cache_delete", () => calls.cacheDelete(str(k!, kl!))),
    http_request: (m, ml, u, ul, h, hl, b, bl) =>
      jsonCall("http_request", () => calls.httpRequest(str(m!, ml!), str(u!, ul!), str(h!, hl!), str(b!, bl!))),
    send_email: (t, tl, s, sl, b, bl, a, al) =>
      jsonCall("send_email", () => calls.sendEmail(str(t!, tl!), str(s!, sl!), str(b!, bl!), str(a!, al!))),
    schedule_job: (c, cl, h, hl, p, pl) => jsonCall("schedule_job", () => calls.scheduleJob(str(c!, cl!), str(h!, hl!), str(p!, pl!))),
    log: (l, ll, m, ml, f, fl) => {
      let level = "info";
      let message = "";
      let fields = "";
      try {
        level = str(l!, ll!);
        message = str(m!, ml!);
        fields = str(f!, fl!);
      } catch (error) {
        message ||= `(unreadable log message: ${messageOf(error)})`;
      }
      calls.log(level, message, fields);
    },
    last_error: () => (calls.lastError ? json(calls.lastError) : 0n),
  };

  const env = assemblyScriptEnv(calls, options, instance);
  const imports: Imports = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    let value: WebAssembly.ImportValue | undefined;
    if (imp.module === HOST_MODULE && KNOWN_HOST_IMPORTS.has(imp.name)) value = host[imp.name as HostFunctionName];
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
      throw new GuestAbort(`${asString(msg) || "abort"} at ${asString(file) || "?"}:${line}:${col}`);
    },
    trace: (msg: number, n: number, ...args: number[]) => {
      calls.log("debug", `trace: ${asString(msg)}${n > 0 ? ` ${args.slice(0, n).join(", ")}` : ""}`, "");
    },
    seed: () => Math.random() * 2 ** 52,
    "Date.now": () => options.now(),
  };
}

function syncOnly<T>(fn: HostFunctionName, value: MaybePromise<T>): T {
  if (value instanceof Promise) {
    value.catch(() => {});
    throw new HostCallError("E_SERVICE", `${fn} needs an asynchronous service, which in-process plugins cannot wait for; run the plugin isolated (the default)`);
  }
  return value;
}

function envelopeOf(calls: GuestHostCalls, fn: HostFunctionName, error: unknown) {
  const hostError = error instanceof HostCallError ? error : new HostCallError("E_SERVICE", `${fn} failed: ${messageOf(error)}`);
  calls.lastError = hostError.envelope;
  return hostError.envelope;
}
