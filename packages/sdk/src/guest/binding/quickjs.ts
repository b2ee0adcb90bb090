/**
 * The QuickJS binding (docs/abi.md, "The QuickJS binding"): the plugin is a script the host runs
 * on its shared QuickJS engine. Host functions are the synchronous functions the host installs
 * on `globalThis.__goatkitHost` (bytes travel as ArrayBuffers, failures are thrown errors with a
 * `code`); the script publishes `register`, `handlers` and `call` on `globalThis.__goatkitPlugin`.
 * The build links this module into QuickJS plugins only.
 */
import { QUICKJS_HOST_GLOBAL, QUICKJS_PLUGIN_GLOBAL } from "../../abi.js";
import { callHandler, type CallOutcome } from "../dispatch.js";
import { hostError } from "../errors.js";
import { useHostBinding, type HostBinding } from "../host-binding.js";
import { isPluginDefinition, registrationText, type PluginDefinition } from "../plugin.js";

/** The host functions as the host installs them (HostBinding, with ArrayBuffers for bytes). */
interface RawHost extends Omit<HostBinding, "cacheGet" | "cacheSet"> {
  cacheGet(key: string): ArrayBuffer | null;
  cacheSet(key: string, value: ArrayBuffer, ttlSeconds: number): void;
}

/**
 * The plugin's side of the binding, read by the host. `call` answers a handler's result text as
 * a string (the common case, read without a copy through JSON), anything else as the outcome.
 */
export interface QuickjsExports {
  register(): string;
  handlers(): string[];
  call(handler: string, request: string): string | Exclude<CallOutcome, { kind: "result" }>;
}

/** Runs a host function, turning the host's `{ code, message }` error into the matching HostError. */
function unwrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === "string") throw hostError(code, (error as Error).message);
    throw error;
  }
}

function quickjsHost(raw: RawHost): HostBinding {
  return {
    dbQuery: (sql, args) => unwrap(() => raw.dbQuery(sql, args)),
    dbExec: (sql, args) => unwrap(() => raw.dbExec(sql, args)),
    cacheGet: (key) => {
      const bytes = unwrap(() => raw.cacheGet(key));
      return bytes === null ? null : new Uint8Array(bytes);
    },
    cacheSet: (key, value, ttl) => unwrap(() => raw.cacheSet(key, value.slice().buffer, ttl)),
    cacheDelete: (key) => unwrap(() => raw.cacheDelete(key)),
    httpRequest: (method, url, headers, body) => unwrap(() => raw.httpRequest(method, url, headers, body)),
    sendEmail: (to, subject, body, attachments) => unwrap(() => raw.sendEmail(to, subject, body, attachments)),
    scheduleJob: (cron, handler, payload) => unwrap(() => raw.scheduleJob(cron, handler, payload)),
    log: (level, message, fields) => raw.log(level, message, fields),
  };
}

/** Connects the plugin definition (the entry's default export) to the host. */
export function serveQuickjs(definition: unknown): void {
  if (!isPluginDefinition(definition)) {
    throw new TypeError("the plugin entry must `export default definePlugin({ register, handlers })` from @goatkit/sdk/guest");
  }
  const scope = globalThis as unknown as Record<string, unknown>;
  const raw = scope[QUICKJS_HOST_GLOBAL] as RawHost | undefined;
  if (raw === undefined) throw new Error("this plugin runs on a GoatKit host's QuickJS engine (@goatkit/host); its host functions are missing");
  useHostBinding(quickjsHost(raw));
  const plugin: PluginDefinition = definition;
  const exports: QuickjsExports = {
    register: () => registrationText(plugin),
    handlers: () => Object.keys(plugin.handlers),
    call(handler, request) {
      const outcome = callHandler(plugin, handler, request);
      return outcome.kind === "result" ? outcome.text : outcome;
    },
  };
  scope[QUICKJS_PLUGIN_GLOBAL] = exports;
}
