import { MENU_LOCATIONS } from "@goatkit/sdk";
import { Hono } from "hono";
import type { PluginManager } from "../platform/plugin-manager.js";
import { requireUser, type AppEnv, type TokenUser } from "./auth.js";
import { jsonError } from "./http-error.js";

/**
 * `GET /api/menu`: the menu items of enabled plugins the user may see (`?location=admin` for
 * one menu). Items in the `admin` menu are for administrators; an item with a `permission` is
 * for administrators and users holding that permission.
 */
export function menuApi(manager: PluginManager): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/api/menu", requireUser(), (c) => {
    const location = c.req.query("location");
    if (location !== undefined && !(MENU_LOCATIONS as readonly string[]).includes(location)) {
      return jsonError(c, 400, `unknown menu location "${location}"; use one of ${MENU_LOCATIONS.join(", ")}`, "E_BAD_REQUEST");
    }
    const user = c.get("user")!;
    const items = manager
      .list()
      .filter((p) => p.enabled && p.status !== "error")
      .flatMap((p) => p.menuItems.map((item) => ({ plugin: p.name, ...item })))
      .filter((item) => (location === undefined || item.location === location) && visibleTo(user, item));
    return c.json(items);
  });
  return app;
}

function visibleTo(user: TokenUser, item: { location?: string; permission?: string }): boolean {
  if (user.role === "admin") return true;
  if (item.location === "admin") return false;
  return item.permission === undefined || (user.permissions ?? []).includes(item.permission);
}
