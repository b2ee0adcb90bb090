import { Hono } from "hono";
import type { PluginManager } from "../platform/plugin-manager.js";
import type { AppEnv } from "./auth.js";
import type { Capabilities } from "./capabilities.js";
import { jsonError } from "./http-error.js";

/**
 * `POST /api/capabilities` with `{"plugin": "<name>"}`: a capability for the signed-in user on
 * that plugin's routes, which the dashboard hands to the plugin page it opened (docs/http.md).
 * A capability cannot mint another: its scope ends at its plugin's routes.
 */
export function capabilityApi(manager: PluginManager, capabilities: Capabilities): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post("/api/capabilities", async (c) => {
    const user = c.get("user");
    if (!user) return jsonError(c, 401, "sign in first: a capability is minted for the signed-in user (the dashboard's session, or Authorization: Bearer <token>)", "E_UNAUTHORIZED", { "www-authenticate": "Bearer" });
    const body: unknown = await c.req.json().catch(() => null);
    const plugin = body && typeof body === "object" ? (body as { plugin?: unknown }).plugin : undefined;
    if (typeof plugin !== "string" || plugin === "") return jsonError(c, 400, 'send {"plugin": "<name>"}: the plugin whose routes the capability signs in to', "E_BAD_REQUEST");
    if (!manager.has(plugin)) return jsonError(c, 404, `no plugin named "${plugin}"; installed plugins: ${manager.list().map((p) => p.name).join(", ") || "none"}`, "E_NOT_FOUND");
    const { token, capability } = capabilities.mint(plugin, user, c.get("session")?.session ?? null);
    c.header("cache-control", "no-store");
    return c.json({ token, plugin, scope: `/api/plugins/${plugin}/`, expiresAt: new Date(capability.expiresAt).toISOString(), expiresInSeconds: Math.floor(capabilities.ttlMs / 1000) }, 201);
  });
  return app;
}
