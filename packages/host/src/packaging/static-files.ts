import { stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { realPathInside } from "./inside-folder.js";

/** A file the HTTP layer may send for `/api/plugins/<name>/static/<path>`. */
export interface StaticFile {
  /** Absolute path on disk (symlinks resolved). */
  path: string;
  contentType: string;
  size: number;
  mtimeMs: number;
}

/** The answer to a static request: a file, or the status to send and why (for logs, not for the client). */
export type StaticLookup = { ok: true; file: StaticFile } | { ok: false; status: 400 | 404; reason: string };

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".htm": "text/html; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".csv": "text/csv; charset=utf-8",
  ".xml": "application/xml; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".avif": "image/avif",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".otf": "font/otf",
  ".wasm": "application/wasm",
  ".pdf": "application/pdf",
  ".mp3": "audio/mpeg",
  ".mp4": "video/mp4",
  ".webm": "video/webm",
};

/** The content type for a file name; `application/octet-stream` when the extension is unknown. */
export function contentTypeOf(fileName: string): string {
  return CONTENT_TYPES[extname(fileName).toLowerCase()] ?? "application/octet-stream";
}

/**
 * Resolves the part of a request path after `/static/` (still percent-encoded, as received) to
 * a file under `<pluginDir>/static/`. Refuses traversal (`..`, encoded or not), backslashes,
 * empty segments, hidden files, and symlinks that lead outside `static/` or out of the plugin's
 * folder (`static` itself a link to `/` included): real paths are compared, not names.
 *
 * @example
 * const found = await resolveStaticFile(plugin.dir, "css/app.css");
 * if (found.ok) reply(createReadStream(found.file.path), { "content-type": found.file.contentType, "x-content-type-options": "nosniff" });
 */
export async function resolveStaticFile(pluginDir: string, requestPath: string): Promise<StaticLookup> {
  const bad = (reason: string): StaticLookup => ({ ok: false, status: 400, reason: `static path ${JSON.stringify(requestPath)}: ${reason}` });
  const missing = (reason: string): StaticLookup => ({ ok: false, status: 404, reason: `static path ${JSON.stringify(requestPath)}: ${reason}` });
  if (requestPath.includes("\\")) return bad("contains a backslash");
  const segments: string[] = [];
  for (const raw of requestPath.split("/")) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return bad("has a malformed %-escape");
    }
    if (segment === "") return bad("has an empty segment (leading, trailing or double /)");
    if (segment === "." || segment === "..") return bad("has a . or .. segment");
    // An encoded "/" would let one segment reach into another folder.
    if (/[/\\:\u0000-\u001f]/.test(segment)) return bad("has an encoded /, \\, : or control character");
    if (segment.startsWith(".")) return missing("hidden files are not served");
    segments.push(segment);
  }

  // static/ may itself be a link (to a folder of the plugin); it must stay in the plugin's folder.
  const folder = await realPathInside(pluginDir, join(pluginDir, "static"));
  if (!folder.ok) return missing(folder.why === "missing" ? "the plugin has no static/ folder" : "static/ leads outside the plugin's folder (through a symbolic link)");
  const file = await realPathInside(folder.path, join(folder.path, ...segments));
  if (!file.ok) return missing(file.why === "missing" ? "no such file" : "leads outside static/ (through a symbolic link)");
  const realFile = file.path;
  const info = await stat(realFile);
  if (!info.isFile()) return missing("not a file");
  return { ok: true, file: { path: realFile, contentType: contentTypeOf(realFile), size: info.size, mtimeMs: info.mtimeMs } };
}
