import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { Hono } from "hono";
import type { PluginManager } from "../platform/plugin-manager.js";
import { resolveStaticFile } from "../packaging/static-files.js";
import type { AppEnv } from "./auth.js";
import { jsonError } from "./http-error.js";
import { PLUGIN_CONTENT_POLICY } from "./plugin-content-policy.js";

/** `GET /api/plugins/<name>/static/<path>`: files from the plugin's `static/` folder (seed 004's package layout). */
export function staticFilesApi(manager: PluginManager): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/api/plugins/:name/static/*", async (c) => {
    const name = c.req.param("name");
    if (!manager.has(name)) return jsonError(c, 404, `no plugin named "${name}"`, "E_NOT_FOUND");
    // The folder the plugin's files are in: for a .zip package, the one it was extracted to.
    const dir = manager.filesFolder(name);
    // The raw path, still percent-encoded: resolveStaticFile decodes each segment once
    // (c.req.path is already partly decoded by the router).
    const raw = new URL(c.req.url).pathname.split("/").slice(5).join("/");
    const found = await resolveStaticFile(dir, raw);
    // The reason stays in the log: it can name paths on the server.
    if (!found.ok) return jsonError(c, found.status, found.status === 404 ? "no such static file" : "bad static file path", found.status === 404 ? "E_NOT_FOUND" : "E_BAD_PATH");
    c.header("content-type", found.file.contentType);
    c.header("content-length", String(found.file.size));
    c.header("x-content-type-options", "nosniff");
    // A plugin's .html or .svg opened in the browser runs confined, not as the host's origin.
    c.header("content-security-policy", PLUGIN_CONTENT_POLICY);
    c.header("cache-control", "public, max-age=300");
    // A plugin's own pages run in an opaque origin (docs/http.md) and load its fonts in CORS
    // mode; the files are public anyway.
    if (c.req.header("origin") === "null") {
      c.header("access-control-allow-origin", "null");
      c.header("vary", "origin");
    }
    return c.body(Readable.toWeb(createReadStream(found.file.path)) as ReadableStream);
  });
  return app;
}
