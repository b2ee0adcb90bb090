/**
 * `gk_register` and `gk_abi_version`. The registration document (docs/registration.md) names the
 * plugin and may add functions, hooks, menu items and plugin permissions; routes, widgets, jobs
 * and capabilities must also be in the manifest, which the host checks the registration against.
 */
import { JSON } from "./json";
import { packJSON } from "./result";
import { packResult } from "./memory";

/** The core ABI major version this SDK implements. */
export const ABI_VERSION: i32 = 1;

/** Export it (`export { gk_abi_version } from "@goatkit/sdk/assembly"`) to state the ABI version. */
export function gk_abi_version(): i32 {
  return ABI_VERSION;
}

/**
 * Builds the registration document:
 * `new Registration("ticket-counter", "1.0.0").description("...").permission("db:read")`.
 */
export class Registration {
  private readonly doc: JSON.Obj = new JSON.Obj();
  private lastFunction: JSON.Obj | null = null;

  /** `name` and `version` must equal the manifest's. */
  constructor(name: string, version: string) {
    this.doc.set("name", name).set("version", version).set("abi", ABI_VERSION);
  }

  description(text: string): Registration {
    this.doc.set("description", text);
    return this;
  }

  /** Adds a permission: a capability the manifest grants (`db:read`), or a plugin permission `<plugin>.<action>`. */
  permission(name: string): Registration {
    this.list("permissions").push(name);
    return this;
  }

  /** Adds an HTTP route served by `handler`. */
  route(method: string, path: string, handler: string, description: string = ""): Registration {
    const route = new JSON.Obj().set("method", method).set("path", path).set("handler", handler);
    if (description.length > 0) route.set("description", description);
    this.list("routes").push(route);
    return this;
  }

  /** Adds a dashboard widget; `location` such as `agent_home`, `size` one of small, medium, large, full. */
  widget(id: string, title: string, handler: string, location: string, size: string): Registration {
    this.list("widgets").push(
      new JSON.Obj().set("id", id).set("title", title).set("handler", handler).set("location", location).set("size", size),
    );
    return this;
  }

  /** Adds a scheduled job running `handler` on a cron `schedule`. */
  job(id: string, schedule: string, handler: string): Registration {
    this.list("jobs").push(new JSON.Obj().set("id", id).set("schedule", schedule).set("handler", handler));
    return this;
  }

  /**
   * Adds a function templates can call; the export of the same name handles it. Its arguments
   * and result type follow: `.function("sla_summary").arg("days", "integer").returns("json")`.
   */
  function(name: string, description: string = ""): Registration {
    const fn = new JSON.Obj().set("name", name);
    if (description.length > 0) fn.set("description", description);
    this.list("functions").push(fn);
    this.lastFunction = fn;
    return this;
  }

  /** Declares the next argument of the function added last; `type` is string, integer, number, boolean or json. */
  arg(name: string, type: string): Registration {
    const fn = this.lastFunction;
    if (fn == null) throw new Error("Registration.arg() must follow function()");
    let args = fn.getArr("args");
    if (args == null) {
      args = new JSON.Arr();
      fn.set("args", args);
    }
    args.push(new JSON.Obj().set("name", name).set("type", type));
    return this;
  }

  /** Declares what the function added last returns: json (the default), string, html, integer, number or boolean. */
  returns(type: string): Registration {
    const fn = this.lastFunction;
    if (fn == null) throw new Error("Registration.returns() must follow function()");
    fn.set("returns", type);
    return this;
  }

  /** Adds a hook on `event`, handled by `handler` (by default the export named like the event). */
  hook(event: string, handler: string = ""): Registration {
    if (handler.length == 0) this.list("hooks").push(event);
    else this.list("hooks").push(new JSON.Obj().set("event", event).set("handler", handler));
    return this;
  }

  /** Adds a navigation menu entry. */
  menuItem(label: string, path: string, icon: string = ""): Registration {
    const item = new JSON.Obj().set("label", label).set("path", path);
    if (icon.length > 0) item.set("icon", icon);
    this.list("menu_items").push(item);
    return this;
  }

  /** Sets any other top-level field, e.g. `.set("runtime", "wasm")`. */
  set<T>(key: string, value: T): Registration {
    this.doc.set(key, value);
    return this;
  }

  toJSON(): JSON.Obj {
    return this.doc;
  }

  private list(key: string): JSON.Arr {
    let arr = this.doc.getArr(key);
    if (arr == null) {
      arr = new JSON.Arr();
      this.doc.set(key, arr);
    }
    return arr;
  }
}

/** Returns the registration from `gk_register`: `return register(new Registration(...)...)`. */
export function register(registration: Registration): u64 {
  return packJSON(registration.toJSON());
}

/** Returns a registration written as JSON text from `gk_register`. */
export function registerJSON(json: string): u64 {
  return packResult(json);
}
