import { AsyncLocalStorage } from "node:async_hooks";
import type { RequestInput } from "../plugin/request.js";
import type { PluginResponse } from "../plugin/response.js";
import { HostCallError } from "./host-call-error.js";

/** How deep plugin_call chains may go (A calls B calls C ...), as on GoatFlow. */
export const MAX_PLUGIN_CALL_DEPTH = 10;

/** The plugin_call depth of the running call: 0 for a call from outside, n inside the n-th nested one. */
const depth = new AsyncLocalStorage<number>();

export function pluginCallDepth(): number {
  return depth.getStore() ?? 0;
}

/** An event a plugin published with `publish_event` (docs/host-functions.md). */
export interface PluginEvent {
  plugin: string;
  event_type: string;
  data: unknown;
  time: string;
}

type CallRoute = (plugin: string, handler: string, input: RequestInput) => Promise<PluginResponse>;

/**
 * What plugins reach of each other: `plugin_call` (a function of another plugin, through the
 * host's or the plugin manager's call path, so the target loads, is counted and is refused when
 * disabled like any call) and `publish_event` (to the host's listeners: the admin event stream).
 * Each nested call runs on an instance of its own (runtime/worker/worker-runner.ts), so a plugin
 * calling itself, or back along a chain, waits for no instance its caller holds.
 */
export class PluginBus {
  readonly #route: CallRoute;
  readonly #listeners = new Set<(event: PluginEvent) => void>();

  constructor(
    route: CallRoute,
    private readonly now: () => number,
  ) {
    this.#route = route;
  }

  /** Calls `target`'s `fn` with GoatFlow's raw JSON arguments; answers its result body. */
  async call(target: string, fn: string, argsJson: string): Promise<string> {
    const next = pluginCallDepth() + 1;
    if (next > MAX_PLUGIN_CALL_DEPTH) throw new HostCallError("E_LIMIT_EXCEEDED", `plugin_call chains may be ${MAX_PLUGIN_CALL_DEPTH} calls deep; this one would be call ${next}`);
    const response = await depth.run(next, () => this.#route(target, fn, { kind: "call", body: argsJson }));
    if (response.error) throw new HostCallError("E_SERVICE", `plugin "${target}" function "${fn}" failed: ${response.error.message} (${response.error.code})`);
    return typeof response.body === "string" ? response.body : Buffer.from(response.body).toString("utf8");
  }

  publish(plugin: string, eventType: string, data: unknown): void {
    const event: PluginEvent = { plugin, event_type: eventType, data, time: new Date(this.now()).toISOString() };
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A closed stream must not fail the plugin's call.
      }
    }
  }

  /** Sees every published event; returns the unsubscribe function. */
  onEvent(listener: (event: PluginEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
