import { realpath } from "node:fs/promises";
import { sep } from "node:path";

/** Where a path leads: its real path inside the folder, or why not. */
export type InsideFolder = { ok: true; path: string } | { ok: false; why: "missing" | "outside" };

/**
 * Resolves `path` with every symbolic link followed (the folder's own, its parents', the file's)
 * and accepts it only when it lands strictly inside the real path of `root`: the check the OS
 * would make when opening it, not a reading of the requested name.
 *
 * @example
 * const found = await realPathInside(pluginDir, join(pluginDir, "static", "app.css"));
 * if (!found.ok) return notFound();
 */
export async function realPathInside(root: string, path: string): Promise<InsideFolder> {
  const [realRoot, real] = await Promise.all([realpath(root).catch(() => null), realpath(path).catch(() => null)]);
  if (realRoot === null || real === null) return { ok: false, why: "missing" };
  const prefix = realRoot.endsWith(sep) ? realRoot : realRoot + sep;
  return real.startsWith(prefix) ? { ok: true, path: real } : { ok: false, why: "outside" };
}
