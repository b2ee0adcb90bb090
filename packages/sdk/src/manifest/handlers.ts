import { RESERVED_EXPORTS } from "../abi.js";
import { childPath } from "./issues.js";
import { HANDLER_PATTERN, type FunctionDecl, type Hook, type Manifest } from "./schema.js";

const handlerPattern = new RegExp(HANDLER_PATTERN);

/** Why `name` cannot be a handler (guest export) name, or undefined when it can. */
export function handlerNameProblem(name: string, label: string): { message: string; fix: string } | undefined {
  if (!handlerPattern.test(name)) {
    const reason = name === "" ? "is empty" : /^[0-9]/.test(name) ? "starts with a digit" : `contains ${quoteChars(name.replace(/[A-Za-z0-9_]/g, ""))}`;
    return {
      message: `${label} "${name}" is not a valid export name: it ${reason}`,
      fix: `use only letters, digits and _, not starting with a digit, e.g. "${toIdentifier(name)}"`,
    };
  }
  if (name.startsWith("gk_")) {
    const rest = name.slice(3);
    return {
      message: `${label} "${name}" starts with "gk_", which is reserved for the ABI`,
      fix: `rename the function, e.g. "${rest && !rest.startsWith("gk_") ? rest : "handle"}"`,
    };
  }
  if ((RESERVED_EXPORTS as readonly string[]).includes(name)) {
    return {
      message: `${label} "${name}" is an export the ABI reserves (${RESERVED_EXPORTS.join(", ")})`,
      fix: `rename the function, e.g. "handle_${name.replace(/^_+/, "")}"`,
    };
  }
  return undefined;
}

/** Turns any text into a plausible export name ("get-counts" → "get_counts"). */
export function toIdentifier(text: string): string {
  const id = text.replace(/[^A-Za-z0-9_]+/g, "_").replace(/^_+|_+$/g, "");
  if (id === "") return "handler";
  return /^[0-9]/.test(id) ? `_${id}` : id;
}

function quoteChars(chars: string): string {
  return [...new Set(chars)].map((c) => (c === " " ? "a space" : `"${c}"`)).join(", ");
}

/** The export a function calls: its `handler`, or its `name`. */
export function functionHandler(fn: Pick<FunctionDecl, "name" | "handler">): string {
  return fn.handler ?? fn.name;
}

/** A hook with its key (what identifies it) and the handler it calls, defaults applied. */
export interface ResolvedHook {
  /** `event`, or `type:source:action` for the object form without an event. */
  key: string;
  handler: string;
  event?: string;
  type?: string;
  source?: string;
  action?: string;
}

/**
 * Resolves a hook: a string is an event whose handler has the same name; an object with `event`
 * defaults its handler to the event; an object with `type` defaults it to type_source_action.
 */
export function resolveHook(hook: Hook): ResolvedHook {
  if (typeof hook === "string") return { key: hook, handler: hook, event: hook };
  const { event, type, source, action } = hook;
  if (event !== undefined) return { ...hook, key: event, handler: hook.handler ?? event };
  const parts = [type, source, action].filter((p): p is string => p !== undefined);
  return { ...hook, key: parts.join(":"), handler: hook.handler ?? toIdentifier(parts.join("_")) };
}

/** A handler named by a manifest and where it is named. */
export interface HandlerReference {
  handler: string;
  /** Path of the field naming it, e.g. `routes[0].handler`. */
  path: string;
}

/** Every handler the manifest's routes, widgets, jobs, functions and hooks name, in document order. */
export function manifestHandlers(manifest: Pick<Manifest, "routes" | "widgets" | "jobs" | "functions" | "hooks">, basePath = ""): HandlerReference[] {
  const refs: HandlerReference[] = [];
  for (const list of ["routes", "widgets", "jobs"] as const) {
    (manifest[list] ?? []).forEach((item, i) => refs.push({ handler: item.handler, path: childPath(childPath(childPath(basePath, list), i), "handler") }));
  }
  (manifest.functions ?? []).forEach((fn, i) => {
    refs.push({ handler: functionHandler(fn), path: childPath(childPath(childPath(basePath, "functions"), i), fn.handler === undefined ? "name" : "handler") });
  });
  (manifest.hooks ?? []).forEach((hook, i) => {
    const path = childPath(childPath(basePath, "hooks"), i);
    refs.push({ handler: resolveHook(hook).handler, path: typeof hook !== "string" && hook.handler !== undefined ? childPath(path, "handler") : path });
  });
  return refs;
}
