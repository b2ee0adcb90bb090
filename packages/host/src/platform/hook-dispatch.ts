import { resolveHook, type Manifest } from "@goatkit/sdk";
import type { RequestInput } from "../plugin/request.js";
import type { PluginResponse } from "../plugin/response.js";

/** One plugin's answer to a fired hook. */
export interface HookResult {
  plugin: string;
  handler: string;
  response: PluginResponse;
}

interface HookTarget {
  name: string;
  manifest: Manifest;
}

/**
 * Calls every given plugin's handler for `event` (a hook's key: its `event`, or
 * `type:source:action`), one plugin after another in name order, so a host application sees
 * a stable order and one plugin's work is done before the next sees the data.
 */
export async function dispatchHook(
  targets: readonly HookTarget[],
  event: string,
  data: unknown,
  call: (plugin: string, handler: string, input: RequestInput) => Promise<PluginResponse>,
): Promise<HookResult[]> {
  const results: HookResult[] = [];
  for (const target of [...targets].sort((a, b) => a.name.localeCompare(b.name))) {
    for (const hook of target.manifest.hooks ?? []) {
      const resolved = resolveHook(hook);
      if (resolved.key !== event) continue;
      const response = await call(target.name, resolved.handler, { kind: "hook", hook: { event, data } });
      results.push({ plugin: target.name, handler: resolved.handler, response });
    }
  }
  return results;
}
