/**
 * One instance of a QuickJS-binding plugin: a fresh engine instance (own memory, capped), one
 * runtime and context with the script environment, the host functions on `__goatkitHost`, and
 * the plugin's script evaluated once. Calls go through the script's `__goatkitPlugin` exports.
 * A guest that ran out of memory or time, or threw past the SDK's dispatcher, is `broken`: its
 * owner replaces it, as with any binding.
 */
import { messageOf } from "../../errors.js";
import { QUICKJS_HOST_GLOBAL, QUICKJS_PLUGIN_GLOBAL } from "@goatkit/sdk/abi";
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from "quickjs-emscripten-core";
import type { HostCallError } from "../../host-functions/host-call-error.js";
import { ABI_HOST_FUNCTIONS, jsonTextOf, type GuestHostCalls, type HostArg } from "../../host-functions/host-function-table.js";
import type { HostCallName } from "../../host-functions/host-services.js";
import type { MaybePromise } from "../../services/types.js";
import { hostCallNow } from "../in-process-host-call.js";
import { PluginCallError } from "../plugin-call-error.js";
import { instantiateEngine, type Engine } from "./engine.js";
import { installEnvironment } from "./script-environment.js";
import { StringBridge } from "./quickjs-strings.js";

export interface QuickjsInstanceOptions {
  memoryMb: number;
  now: () => number;
  /**
   * Stops a call (and the script's first evaluation) after this long with the engine's
   * interrupt handler. In-process runners use it; workers are ended from outside instead.
   */
  timeoutMs?: number;
  /**
   * The engine's own stack limit: it must be hit before the thread's native stack is (wasm
   * frames run on it), or the overflow unwinds through the engine and leaves it corrupt.
   */
  maxStackBytes: number;
}

/** Stack limits that leave the native stack room: Node's main thread has about 1 MiB, plugin workers 4 MiB. */
export const STACK_BYTES = { "in-process": 256 * 1024, worker: 1024 * 1024 } as const;

/** What the script's `call` answers when it is not the result text (packages/sdk/src/guest/binding/quickjs.ts). */
type CallOutcome = { kind: "unknown-handler" } | { kind: "uncaught"; description: string };

/** Room the engine keeps for its own data and stack inside the capped memory. */
const ENGINE_RESERVE_BYTES = 4 * 1048576;

/** When the running call must stop; the engine's interrupt handler asks it. */
class Deadline {
  #at = 0;
  timedOut = false;

  start(ms: number | undefined): void {
    this.timedOut = false;
    this.#at = ms === undefined ? 0 : performance.now() + ms;
  }

  clear(): void {
    this.#at = 0;
  }

  /** True once the deadline has passed, which also marks the call as timed out. */
  passed(): boolean {
    if (this.#at === 0 || performance.now() <= this.#at) return false;
    this.timedOut = true;
    return true;
  }
}

export class QuickjsInstance {
  broken = false;
  /** The engine itself failed mid-call: its state cannot even be freed safely, only dropped. */
  #poisoned = false;
  /** The script's `call`, looked up once: it runs on every handler call. */
  readonly #call: QuickJSHandle;

  private constructor(
    private readonly runtime: QuickJSRuntime,
    private readonly ctx: QuickJSContext,
    private readonly exports: QuickJSHandle,
    private readonly deadline: Deadline,
    private readonly strings: StringBridge,
    private readonly options: QuickjsInstanceOptions,
  ) {
    this.#call = ctx.getProp(exports, "call");
  }

  static async create(engine: Engine, script: string, calls: GuestHostCalls, options: QuickjsInstanceOptions): Promise<QuickjsInstance> {
    const quickjs = await instantiateEngine(engine, options.memoryMb);
    const runtime = quickjs.newRuntime();
    runtime.setMemoryLimit(options.memoryMb * 1048576 - ENGINE_RESERVE_BYTES);
    runtime.setMaxStackSize(options.maxStackBytes);
    const ctx = runtime.newContext();
    const deadline = new Deadline();
    const strings = new StringBridge(ctx);
    try {
      installEnvironment(ctx, strings, { now: options.now, log: (level, message, fields) => calls.log(level, message, fields) });
      installHostFunctions(ctx, calls, strings);
      // Only when asked for (in-process): the handler is called back often while a script runs.
      if (options.timeoutMs !== undefined) runtime.setInterruptHandler(() => deadline.passed());
      deadline.start(options.timeoutMs);
      const evaluated = ctx.evalCode(script, "plugin.js", { type: "global" });
      deadline.clear();
      if (evaluated.error) {
        const error = ctx.dump(evaluated.error) as unknown;
        evaluated.error.dispose();
        if (isInterrupted(error)) throw new PluginCallError("E_TIMEOUT", `the plugin's script ran longer than ${options.timeoutMs} ms while loading and was stopped; move work out of its top-level code`);
        throw new PluginCallError("E_LOAD", `the plugin's script failed while loading: ${describe(error)}${missingGlobalHint(describe(error))}`);
      }
      evaluated.value.dispose();
      const exports = ctx.getProp(ctx.global, QUICKJS_PLUGIN_GLOBAL);
      if (ctx.typeof(exports) !== "object") {
        exports.dispose();
        throw new PluginCallError("E_LOAD", `the plugin's script did not set globalThis.${QUICKJS_PLUGIN_GLOBAL}; build it with buildPlugin() from @goatkit/sdk (gk plugin build)`);
      }
      return new QuickjsInstance(runtime, ctx, exports, deadline, strings, options);
    } catch (error) {
      try {
        strings.dispose();
        ctx.dispose();
        runtime.dispose();
      } catch {
        // A load that failed halfway may leave values the engine refuses to free: drop it whole.
      }
      throw error;
    }
  }

  register(): string {
    return this.#string("register", this.#invoke("register", "register", []));
  }

  handlers(): string[] {
    const result = this.#invoke("handlers", "handlers", []);
    try {
      return this.ctx.dump(result) as string[];
    } finally {
      result.dispose();
    }
  }

  /** Calls a handler with the request envelope; returns the result text ("" for nothing). */
  call(handler: string, request: string): string {
    const name = this.ctx.newString(handler);
    const body = this.strings.create(request);
    let outcome: CallOutcome;
    try {
      const result = this.#invoke(handler, this.#call, [name, body]);
      try {
        if (this.ctx.typeof(result) === "string") return this.strings.read(result);
        outcome = this.ctx.dump(result) as CallOutcome;
      } finally {
        result.dispose();
      }
    } finally {
      name.dispose();
      body.dispose();
    }
    if (outcome.kind === "unknown-handler") throw new PluginCallError("E_UNKNOWN_HANDLER", `the plugin has no handler named "${handler}"`);
    // The engine's own limits surface as errors a handler could catch; the instance is not trusted after them.
    if (/^InternalError: (out of memory|interrupted)/.test(outcome.description) || this.deadline.timedOut) this.broken = true;
    if (this.deadline.timedOut) throw this.#timeoutError();
    throw new PluginCallError("E_TRAP", `${handler} threw ${outcome.description}${missingGlobalHint(outcome.description)}`);
  }

  dispose(): void {
    if (this.#poisoned) return;
    this.#call.dispose();
    this.exports.dispose();
    this.strings.dispose();
    this.ctx.dispose();
    this.runtime.dispose();
  }

  /** Calls one of the script's exports; a throw that escapes it breaks the instance. */
  #invoke(what: string, method: string | QuickJSHandle, args: QuickJSHandle[]): QuickJSHandle {
    this.deadline.start(this.options.timeoutMs);
    const fn = typeof method === "string" ? this.ctx.getProp(this.exports, method) : method;
    try {
      const result = this.ctx.callFunction(fn, this.exports, ...args);
      if (!result.error) return result.value;
      const error = this.ctx.dump(result.error) as unknown;
      result.error.dispose();
      this.broken = true;
      if (this.deadline.timedOut || isInterrupted(error)) throw this.#timeoutError();
      throw new PluginCallError("E_TRAP", `${what} trapped: ${describe(error)}`);
    } catch (error) {
      if (error instanceof PluginCallError) throw error;
      // The engine itself failed (the native stack overflowed, its memory could not grow, an abort).
      this.broken = true;
      this.#poisoned = true;
      throw new PluginCallError("E_TRAP", `${what} trapped: ${messageOf(error)}`, { cause: error });
    } finally {
      this.deadline.clear();
      if (fn !== method) fn.dispose();
    }
  }

  #string(what: string, handle: QuickJSHandle): string {
    try {
      if (this.ctx.typeof(handle) !== "string") throw new PluginCallError("E_REGISTRATION", `${what} returned ${this.ctx.typeof(handle)}, not the registration JSON`);
      return this.ctx.getString(handle);
    } finally {
      handle.dispose();
    }
  }

  #timeoutError(): PluginCallError {
    return new PluginCallError("E_TIMEOUT", `the call ran longer than ${this.options.timeoutMs} ms and was stopped; make it faster or raise limits.timeout_ms`);
  }
}

/** Web and Node globals a script may expect and the engine does not define (docs/quickjs.md). */
const MISSING_GLOBALS: Record<string, string> = {
  fetch: "use host.httpRequest (it checks the manifest's allowed hosts)",
  XMLHttpRequest: "use host.httpRequest (it checks the manifest's allowed hosts)",
  setTimeout: "a handler runs to completion, with no event loop: do the work in the call, or schedule a job with host.scheduleJob",
  setInterval: "a handler runs to completion, with no event loop: schedule a job with host.scheduleJob",
  setImmediate: "a handler runs to completion, with no event loop",
  URL: "bundle a URL parser, or split the string",
  URLSearchParams: "read query values with req.query(name)",
  structuredClone: "copy with JSON.parse(JSON.stringify(value))",
  process: "read settings from req.config (the manifest's config)",
  Buffer: "use TextEncoder, TextDecoder, atob and btoa",
  require: "import libraries; the build bundles them",
};

/** A fix for a ReferenceError on a global the engine does not have; "" for anything else. */
function missingGlobalHint(message: string): string {
  const name = /^ReferenceError: '?([\w$]+)'? is not defined/.exec(message)?.[1];
  if (name === undefined || !Object.hasOwn(MISSING_GLOBALS, name)) return "";
  return `; QuickJS plugins have no ${name}: ${MISSING_GLOBALS[name]} (docs/quickjs.md lists what the engine gives a script)`;
}

function isInterrupted(error: unknown): boolean {
  const e = error as { name?: unknown; message?: unknown } | null;
  return e?.name === "InternalError" && e.message === "interrupted";
}

function describe(error: unknown): string {
  const e = error as { name?: unknown; message?: unknown; stack?: unknown } | null;
  if (e && typeof e === "object" && typeof e.message === "string") return `${String(e.name ?? "Error")}: ${e.message}${typeof e.stack === "string" && e.stack !== "" ? `\n${e.stack}` : ""}`;
  return String(error);
}

/** The host functions on `globalThis.__goatkitHost`: only marshalling, as the component's imports. */
function installHostFunctions(ctx: QuickJSContext, calls: GuestHostCalls, strings: StringBridge): void {
  const run = (fn: HostCallName, body: () => MaybePromise<unknown>, wrap: (value: unknown) => QuickJSHandle | undefined) => {
    let value: unknown;
    try {
      value = hostCallNow(calls, fn, body);
    } catch (error) {
      const hostError = error as HostCallError;
      const handle = ctx.newError({ name: "HostError", message: hostError.message });
      const code = ctx.newString(hostError.code);
      ctx.setProp(handle, "code", code);
      code.dispose();
      return { error: handle };
    }
    return wrap(value);
  };
  const s = (handle: QuickJSHandle) => strings.read(handle);
  // One function per table row, named after its method; arguments read as the row's kinds.
  const functions: Record<string, (...args: QuickJSHandle[]) => QuickJSHandle | { error: QuickJSHandle } | undefined> = {};
  for (const entry of ABI_HOST_FUNCTIONS) {
    const argsOf = (handles: QuickJSHandle[]) =>
      entry.args.map((arg, i): HostArg => {
        const handle = handles[i];
        if (arg.kind === "flag" || handle === undefined) return arg.kind === "string" ? "" : undefined;
        if (arg.kind === "u32") return ctx.getNumber(handle);
        if (arg.kind === "string") return s(handle);
        const bytes = ctx.getArrayBuffer(handle);
        try {
          return bytes.value.slice();
        } finally {
          bytes.dispose();
        }
      });
    functions[entry.method] = (...handles) => {
      if (entry.result === "none") {
        calls.call(entry.name, argsOf(handles));
        return undefined;
      }
      return run(entry.name, () => calls.call(entry.name, argsOf(handles)), (value) => {
        if (entry.result === "json") return ctx.newString(jsonTextOf(value));
        if (entry.result === "text") return ctx.newString(value as string);
        if (entry.result !== "bytes") return undefined;
        if (value === null) return ctx.null;
        const bytes = value as Uint8Array;
        return ctx.newArrayBuffer(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
      });
    };
  }
  const object = ctx.newObject();
  for (const [name, fn] of Object.entries(functions)) {
    const handle = ctx.newFunction(name, fn);
    ctx.setProp(object, name, handle);
    handle.dispose();
  }
  ctx.setProp(ctx.global, QUICKJS_HOST_GLOBAL, object);
  object.dispose();
}
