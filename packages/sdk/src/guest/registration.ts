/**
 * The registration document a plugin returns (docs/registration.md), built with the same
 * chain as the AssemblyScript SDK: `new Registration("ticket-counter", "1.0.0").description(...)`.
 */
import { ABI_VERSION } from "../abi.js";
import type { Registration as RegistrationDocument } from "../registration/schema.js";

export type { RegistrationDocument };

/** Builds the registration document; `name` and `version` must equal the manifest's. */
export class Registration {
  readonly #doc: Record<string, unknown> & { permissions?: string[] };
  #lastFunction: Record<string, unknown> | null = null;

  constructor(name: string, version: string) {
    this.#doc = { name, version, abi: ABI_VERSION };
  }

  description(text: string): this {
    this.#doc.description = text;
    return this;
  }

  /** Adds a permission: a capability the manifest grants (`db:read`), or a plugin permission `<plugin>.<action>`. */
  permission(name: string): this {
    this.#list("permissions").push(name);
    return this;
  }

  /** Repeats a manifest route served by `handler`. */
  route(method: string, path: string, handler: string, description = ""): this {
    this.#list("routes").push(description === "" ? { method, path, handler } : { method, path, handler, description });
    return this;
  }

  /** Repeats a manifest widget; `location` such as `agent_home`, `size` one of small, medium, large, full. */
  widget(id: string, title: string, handler: string, location: string, size: string): this {
    this.#list("widgets").push({ id, title, handler, location, size });
    return this;
  }

  /** Repeats a manifest job running `handler` on a cron `schedule`. */
  job(id: string, schedule: string, handler: string): this {
    this.#list("jobs").push({ id, schedule, handler });
    return this;
  }

  /**
   * Adds a function templates can call; the handler of the same name handles it. Its arguments
   * and result type follow: `.function("sla_summary").arg("days", "integer").returns("json")`.
   */
  function(name: string, description = ""): this {
    this.#lastFunction = description === "" ? { name } : { name, description };
    this.#list("functions").push(this.#lastFunction);
    return this;
  }

  /** Declares the next argument of the function added last; `type` is string, integer, number, boolean or json. */
  arg(name: string, type: "string" | "integer" | "number" | "boolean" | "json"): this {
    const fn = this.#lastFunction;
    if (!fn) throw new Error("Registration.arg() must follow function(): new Registration(...).function(\"sla_summary\").arg(\"days\", \"integer\")");
    ((fn.args ??= []) as Array<{ name: string; type: string }>).push({ name, type });
    return this;
  }

  /** Declares what the function added last returns: json (the default), string, html, integer, number or boolean. */
  returns(type: "json" | "string" | "html" | "integer" | "number" | "boolean"): this {
    const fn = this.#lastFunction;
    if (!fn) throw new Error("Registration.returns() must follow function(): new Registration(...).function(\"top_articles\").returns(\"json\")");
    fn.returns = type;
    return this;
  }

  /** Adds a hook on `event`, handled by `handler` (by default the handler named like the event). */
  hook(event: string, handler = ""): this {
    this.#list("hooks").push(handler === "" ? event : { event, handler });
    return this;
  }

  /** Adds a navigation menu entry. */
  menuItem(label: string, path: string, icon = ""): this {
    this.#list("menu_items").push(icon === "" ? { label, path } : { label, path, icon });
    return this;
  }

  /** Sets any other top-level field. */
  set(key: string, value: unknown): this {
    this.#doc[key] = value;
    return this;
  }

  toJSON(): RegistrationDocument {
    return this.#doc as RegistrationDocument;
  }

  #list(key: string): unknown[] {
    const existing = this.#doc[key];
    if (Array.isArray(existing)) return existing;
    const list: unknown[] = [];
    this.#doc[key] = list;
    return list;
  }
}
