import { Hono } from "hono";
import type { PluginManager } from "../platform/plugin-manager.js";
import { middlewareRefusal, type AppEnv } from "./auth.js";
import { jsonError } from "./http-error.js";
import { httpResponse } from "./plugin-response.js";
import { requestEnvelope } from "./request-envelope.js";
import { RouteTable, type MountedRoute } from "./route-table.js";
import type { TemplateEngine } from "../templates/template-engine.js";
import { withTemplateRendered } from "./template-response.js";

/**
 * Every plugin route at its mount path (`/api/plugins/<name>/...`), with the manifest's
 * middleware. The table follows the manager: plugins discovered, reloaded or disabled change
 * it without a restart. Routes of a disabled plugin stay mounted and answer 503, which tells a
 * client more than a 404.
 */
export function pluginRoutes(manager: PluginManager, templates: TemplateEngine): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  let table = new RouteTable([]);
  let generation = -1;
  const current = (): RouteTable => {
    if (generation !== manager.generation) {
      generation = manager.generation;
      table = new RouteTable(manager.list().flatMap((p) => p.routes.map((route): MountedRoute => ({ plugin: p.name, route, mountPath: route.mountPath }))));
    }
    return table;
  };

  app.all("/api/plugins/*", async (c) => {
    const { method } = c.req;
    const path = c.req.path;
    const preflight = capabilityPreflight(c.req.raw, manager);
    if (preflight) return preflight;
    const match = current().match(method, path);
    if (match.kind === "bad-path") return jsonError(c, 400, match.message, "E_BAD_REQUEST");
    if (match.kind === "not-found") return jsonError(c, 404, notFoundMessage(current(), manager, method, path), "E_NOT_FOUND");
    if (match.kind === "method-not-allowed") {
      const allow = match.allow.join(", ");
      if (method === "OPTIONS") return c.body(null, 204, { allow });
      return jsonError(c, 405, `${method} is not allowed on ${path}; allowed: ${allow}`, "E_METHOD_NOT_ALLOWED", { allow });
    }
    const { mounted, params, headOnly } = match;
    const capability = c.get("capability");
    // identify() already keeps a capability to its plugin's paths; the route's owner decides.
    if (capability && capability.plugin !== mounted.plugin) return jsonError(c, 403, `this capability is for plugin "${capability.plugin}", not "${mounted.plugin}"`, "E_CAPABILITY_SCOPE");
    const refusal = middlewareRefusal(c, mounted.route.middleware ?? []);
    if (refusal) return refusal;
    const input = await requestEnvelope(c, "route", params);
    if (headOnly) input.method = "GET";
    const response = await withTemplateRendered(templates, mounted.plugin, await manager.call(mounted.plugin, mounted.route.handler, input), input);
    const answer = httpResponse(response, mounted.plugin, headOnly);
    if (capability && c.req.header("origin") === "null") {
      answer.headers.set("access-control-allow-origin", "null");
      answer.headers.append("vary", "origin");
    }
    return answer;
  });

  return app;
}

/**
 * Plugin documents are confined to an opaque origin (plugin-content-policy.ts), so a plugin
 * page's script reaches its routes cross-origin, as `Origin: null`, signed in with the
 * capability the dashboard handed it (capabilities.ts). Only such answers may be read by the
 * page: not anonymous ones, not ones signed in by an API token or cookie, not other origins.
 * A preflight carries no credentials, so it is answered for `Origin: null` on an installed
 * plugin's paths asking for no more than `authorization` and `content-type`; the request that
 * follows must still sign in with a capability of that plugin, or its answer stays unreadable.
 */
function capabilityPreflight(req: Request, manager: PluginManager): Response | null {
  if (req.method !== "OPTIONS" || req.headers.get("origin") !== "null" || !req.headers.has("access-control-request-method")) return null;
  const name = /^\/api\/plugins\/([^/]+)\//.exec(new URL(req.url).pathname)?.[1];
  if (!name || !manager.has(name)) return null;
  const wanted = (req.headers.get("access-control-request-headers") ?? "").toLowerCase().split(",").map((h) => h.trim()).filter(Boolean);
  if (!wanted.includes("authorization") || wanted.some((h) => h !== "authorization" && h !== "content-type")) return null;
  return new Response(null, {
    status: 204,
    headers: {
      "access-control-allow-origin": "null",
      "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE",
      "access-control-allow-headers": "authorization, content-type",
      "access-control-max-age": "600",
      vary: "origin",
    },
  });
}

function notFoundMessage(table: RouteTable, manager: PluginManager, method: string, path: string): string {
  const name = /^\/api\/plugins\/([^/]+)/.exec(path)?.[1] ?? "";
  if (!manager.has(name)) {
    const names = manager.list().map((p) => p.name);
    return `no plugin named "${name}" serves ${path}; installed plugins: ${names.join(", ") || "none"}`;
  }
  const routes = table.routes.filter((r) => r.plugin === name).map((r) => `${r.route.method} ${r.mountPath}`);
  return `plugin "${name}" has no route for ${method} ${path}; its routes: ${routes.join(", ") || "none"}`;
}
