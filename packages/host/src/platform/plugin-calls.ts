import { messageOf } from "../errors.js";
import type { Plugin } from "../plugin/plugin.js";
import type { RequestInput } from "../plugin/request.js";
import { errorResponse, errorResponseOf, type PluginResponse } from "../plugin/response.js";
import { PluginCallError } from "../runtime/plugin-call-error.js";
import { dispatchHook, type HookResult } from "./hook-dispatch.js";
import type { PlatformContext } from "./platform-context.js";
import type { PluginLifecycle } from "./plugin-lifecycle.js";
import { PluginManagerError } from "./plugin-manager-error.js";
import { manifestOf, type PluginEntry } from "./plugin-registry.js";

const MAX_LOAD_ATTEMPTS = 3;

/**
 * The one call path of the host once a platform runs: refusals (unknown, disabled, broken,
 * shutting down), the lazy load, in-flight counting (so reloads and unloads drain), last use
 * (for eviction), metrics, and hooks fired at every plugin that listens.
 */
export class PluginCalls {
  constructor(
    private readonly ctx: PlatformContext,
    private readonly lifecycle: PluginLifecycle,
    /** What shutdown waits for: every call from its start, lazy load included, to its end. */
    private readonly owner: object,
  ) {}

  /** Calls a handler, loading the plugin first when needed. Never throws. */
  async call(name: string, handler: string, input: RequestInput = {}): Promise<PluginResponse> {
    const { ctx } = this;
    const entry = ctx.registry.get(name);
    if (!entry) return errorResponseOf(ctx.registry.unknown(name));
    const refused = ctx.refusal(entry);
    if (refused) return errorResponseOf(refused);
    const finished = this.lifecycle.calls.begin(this.owner);
    try {
      for (let attempt = 1; ; attempt++) {
        const plugin = entry.plugin;
        // Read and counted in one synchronous step: a reload that swaps after this point
        // waits for this call before closing the instance it runs on.
        if (plugin) return await this.#callInstance(entry, plugin, handler, input);
        if (attempt > MAX_LOAD_ATTEMPTS) {
          return errorResponse(`plugin "${name}" was unloaded ${MAX_LOAD_ATTEMPTS} times while this call waited for it; raise memoryBudgetBytes`, "E_LOAD", 503);
        }
        try {
          await this.lifecycle.ensureLoaded(entry);
        } catch (error) {
          const response = loadFailureResponse(error);
          entry.metrics.record(handler, 0, ctx.now(), response.error);
          return response;
        }
        const refusedNow = ctx.refusal(entry);
        if (refusedNow) return errorResponseOf(refusedNow);
      }
    } finally {
      finished();
    }
  }

  /**
   * Fires a named event (`before_render`, `after_save`, or a `type:source:action` key) at every
   * enabled plugin that hooks it, with `kind: "hook"` and `hook: {event, data}`.
   */
  fireHook(event: string, data: unknown): Promise<HookResult[]> {
    const targets = this.ctx.registry
      .entries()
      .filter((entry) => this.ctx.refusal(entry) === null)
      .map((entry) => ({ name: entry.name, manifest: manifestOf(entry)! }));
    return dispatchHook(targets, event, data, (plugin, handler, input) => this.call(plugin, handler, input));
  }

  async #callInstance(entry: PluginEntry, plugin: Plugin, handler: string, input: RequestInput): Promise<PluginResponse> {
    const finished = this.ctx.inFlight.begin(plugin);
    entry.lastUsed = this.ctx.now();
    const started = performance.now();
    let response: PluginResponse;
    try {
      response = await plugin.call(handler, input);
    } catch (error) {
      response = errorResponse(messageOf(error), "E_TRAP", 500);
    } finally {
      finished();
    }
    entry.lastUsed = this.ctx.now();
    entry.metrics.record(handler, performance.now() - started, this.ctx.now(), response.error);
    return response;
  }
}

function loadFailureResponse(error: unknown): PluginResponse {
  if (error instanceof PluginManagerError || error instanceof PluginCallError) return errorResponseOf(error);
  return errorResponse(messageOf(error), "E_LOAD", 500);
}
