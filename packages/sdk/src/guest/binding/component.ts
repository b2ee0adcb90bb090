/**
 * The component binding (wit/goatkit-plugin.wit): host functions from the `goatkit:plugin/host`
 * import, and the world's exports `register`, `handlers` and `call`. The build links this
 * module into component plugins only; componentize-js resolves the import.
 */
import * as wit from "goatkit:plugin/host@0.1.0";
import { callHandler } from "../dispatch.js";
import { hostError } from "../errors.js";
import { useHostBinding, type HostBinding } from "../host-binding.js";
import { isPluginDefinition, registrationText, type PluginDefinition } from "../plugin.js";

/** Runs a host import, turning its `host-error` into the matching HostError. */
function unwrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    const payload = (error as { payload?: { code?: unknown; message?: unknown } } | null)?.payload;
    if (payload && typeof payload.code === "string") throw hostError(payload.code, String(payload.message));
    throw error;
  }
}

const componentHost: HostBinding = {
  dbQuery: (sql, args) => unwrap(() => wit.dbQuery(sql, args)),
  dbExec: (sql, args) => unwrap(() => wit.dbExec(sql, args)),
  cacheGet: (key) => unwrap(() => wit.cacheGet(key)) ?? null,
  cacheSet: (key, value, ttl) => unwrap(() => wit.cacheSet(key, value, ttl)),
  cacheDelete: (key) => unwrap(() => wit.cacheDelete(key)),
  httpRequest: (method, url, headers, body) => unwrap(() => wit.httpRequest(method, url, headers, body)),
  sendEmail: (to, subject, body, attachments) => unwrap(() => wit.sendEmail(to, subject, body, attachments)),
  scheduleJob: (cron, handler, payload) => unwrap(() => wit.scheduleJob(cron, handler, payload)),
  log: (level, message, fields) => wit.log(level, message, fields),
};

/** The world's exports for a plugin definition (the module's default export). */
export interface ComponentExports {
  register(): string;
  handlers(): string[];
  call(handler: string, request: string): string;
}

export function serveComponent(definition: unknown): ComponentExports {
  if (!isPluginDefinition(definition)) {
    throw new TypeError("the plugin entry must `export default definePlugin({ register, handlers })` from @goatkit/sdk/guest");
  }
  useHostBinding(componentHost);
  const plugin: PluginDefinition = definition;
  return {
    register: () => registrationText(plugin),
    handlers: () => Object.keys(plugin.handlers),
    call(handler, request) {
      const outcome = callHandler(plugin, handler, request);
      if (outcome.kind === "result") return outcome.text;
      // componentize-js returns a thrown value as the `err` case of the export's result.
      throw outcome.kind === "unknown-handler" ? { tag: "unknown-handler" } : { tag: "uncaught", val: outcome.description };
    },
  };
}
