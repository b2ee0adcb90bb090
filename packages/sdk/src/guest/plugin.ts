/** A plugin's definition: its registration and its handlers, by name. */
import type { Registration, RegistrationDocument } from "./registration.js";
import type { Request } from "./request.js";
import type { HandlerResult } from "./result.js";

/**
 * Handles one call. Return text (see the `pack*` helpers), nothing (`null`, `undefined`, `""`:
 * an empty 204) or any other value, which is sent as JSON. Throwing a HostError or a PluginError
 * answers with an error envelope; any other exception is a bug and fails the call (`E_TRAP`).
 * Handlers are synchronous, like the host functions they call.
 */
export type Handler = (req: Request) => HandlerResult;

export interface PluginDefinition {
  /** The registration document, or a function returning it; `abi` is added for you. */
  register: Registration | RegistrationDocument | (() => Registration | RegistrationDocument);
  /** Handlers by name: the `handler` of routes, widgets, jobs, functions and hooks in the manifest. */
  handlers: Readonly<Record<string, Handler>>;
}

const BRAND = Symbol.for("goatkit.plugin-definition");

/**
 * Defines a plugin; `export default` it from the plugin's entry module.
 *
 * @example
 * export default definePlugin({
 *   register: new Registration("ticket-counter", "1.0.0").description("Displays ticket counts by state"),
 *   handlers: {
 *     get_counts: () => host.dbQuery("SELECT ticket_state_id, COUNT(*) AS n FROM ticket GROUP BY ticket_state_id"),
 *   },
 * });
 */
export function definePlugin<T extends PluginDefinition>(definition: T): T {
  if (definition === null || typeof definition !== "object" || typeof definition.handlers !== "object" || definition.handlers === null) {
    throw new TypeError("definePlugin needs { register, handlers }: handlers is an object of functions by name");
  }
  for (const name of Object.keys(definition.handlers)) {
    if (typeof definition.handlers[name] !== "function") throw new TypeError(`handler "${name}" is not a function`);
  }
  Object.defineProperty(definition, BRAND, { value: true });
  return definition;
}

/** Whether a module's default export came from definePlugin (by a brand that survives bundling twice). */
export function isPluginDefinition(value: unknown): value is PluginDefinition {
  return value !== null && typeof value === "object" && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** The registration text `gk_register` (or the component's `register`) returns. */
export function registrationText(definition: PluginDefinition): string {
  const value = typeof definition.register === "function" ? definition.register() : definition.register;
  // By shape, not instanceof: the build reads definitions made by another copy of the SDK.
  const doc = typeof (value as Registration).toJSON === "function" ? (value as Registration).toJSON() : (value as RegistrationDocument);
  return JSON.stringify({ abi: 1, ...doc });
}
