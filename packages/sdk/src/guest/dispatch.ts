/**
 * One call of a handler, whatever the binding: parse the request, run the handler, turn what it
 * returned or threw into the result text, an error envelope, or a description of the bug.
 */
import { HostError, PluginError } from "./errors.js";
import { hostBinding } from "./host-binding.js";
import type { PluginDefinition } from "./plugin.js";
import { Request } from "./request.js";
import { packError, packJSON } from "./result.js";

export type CallOutcome = { kind: "result"; text: string } | { kind: "unknown-handler" } | { kind: "uncaught"; description: string };

export function callHandler(definition: PluginDefinition, handler: string, requestText: string): CallOutcome {
  const outcome = startHandler(definition, handler, requestText);
  if (outcome instanceof Promise) {
    outcome.catch(() => {});
    return { kind: "uncaught", description: `handler "${handler}" returned a Promise; GoatKit handlers are synchronous on WebAssembly (so are host functions): remove async/await, or build for the gRPC runtime` };
  }
  return outcome;
}

/** The same, for bindings that can wait (the process binding): a handler may return a Promise. */
export function callHandlerAsync(definition: PluginDefinition, handler: string, requestText: string): CallOutcome | Promise<CallOutcome> {
  return startHandler(definition, handler, requestText);
}

function startHandler(definition: PluginDefinition, handler: string, requestText: string): CallOutcome | Promise<CallOutcome> {
  const fn = Object.prototype.hasOwnProperty.call(definition.handlers, handler) ? definition.handlers[handler] : undefined;
  if (typeof fn !== "function") return { kind: "unknown-handler" };
  let result: unknown;
  try {
    result = fn(new Request(requestText));
  } catch (error) {
    return thrown(handler, error);
  }
  if (result !== null && typeof result === "object" && typeof (result as { then?: unknown }).then === "function") {
    return (result as Promise<unknown>).then(returned, (error: unknown) => thrown(handler, error));
  }
  return returned(result);
}

function returned(result: unknown): CallOutcome {
  if (result === null || result === undefined) return { kind: "result", text: "" };
  if (typeof result === "string") return { kind: "result", text: result };
  return { kind: "result", text: packJSON(result) };
}

function thrown(handler: string, error: unknown): CallOutcome {
  if (error instanceof HostError) return { kind: "result", text: packError(error.message, 500, error.code) };
  if (error instanceof PluginError) return { kind: "result", text: packError(error.message, error.status, error.code) };
  return uncaught(handler, error);
}

function uncaught(handler: string, error: unknown): CallOutcome {
  const description = error instanceof Error ? `${error.name}: ${error.message}` : `a thrown ${typeof error}: ${String(error)}`;
  // The stack names the line in the bundle; the plugin log is where the author looks.
  const stack = error instanceof Error && typeof error.stack === "string" ? error.stack : "";
  try {
    hostBinding().log("error", `handler "${handler}" threw ${description}`, stack === "" ? "" : JSON.stringify({ stack }));
  } catch {
    // Without a working binding there is nowhere to log; the host still reports the call.
  }
  return { kind: "uncaught", description };
}
