import { existsSync, readFileSync, statSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import type { GuestBinding, ResolvedManifest } from "@goatkit/sdk";
import { inspectModule } from "@goatkit/host";
import { buildPlugin } from "./build.js";

// Folders whose files are never sources.
const IGNORED = new Set(["node_modules", ".git", ".turbo", ".goatkit", "dist", "build", "test", "tests", "vendor"]);
// Without build.watch, what a plugin's sources look like.
const SOURCE = /\.(ts|mts|js|mjs|wat|go|rs|c|zig)$/;

/** The module (or gRPC executable) a plugin's build writes, absolute. */
export function builtModule(dir: string, manifest: ResolvedManifest): string {
  return resolve(dir, manifest.grpc?.binary ?? manifest.wasm ?? manifest.build?.output ?? "plugin.wasm");
}

/**
 * The newest source file changed after the built module, or null when the module is up to date
 * (or missing: the commands' own "build it first" message covers that). Sources are the
 * manifest's build.watch globs, else the source files under the plugin folder.
 */
export async function staleSource(dir: string, manifest: ResolvedManifest): Promise<string | null> {
  const output = builtModule(dir, manifest);
  if (!existsSync(output)) return null;
  const builtAt = statSync(output).mtimeMs;
  const patterns = (manifest.build?.watch ?? []).map(globToRegExp);
  let newest: { file: string; at: number } | null = null;
  const walk = async (folder: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(folder, entry.name);
      const rel = relative(dir, path).split(sep).join("/");
      if (entry.isDirectory()) {
        if (!IGNORED.has(entry.name) && !entry.name.startsWith(".")) await walk(path);
        continue;
      }
      if (!entry.isFile() || path === output) continue;
      if (patterns.length > 0 ? !patterns.some((p) => p.test(rel)) : !SOURCE.test(entry.name) || /\.(test|spec)\.[mc]?[jt]s$/.test(entry.name) || entry.name.endsWith(".d.ts")) continue;
      const at = (await stat(path)).mtimeMs;
      if (at > builtAt && (!newest || at > newest.at)) newest = { file: rel, at };
    }
  };
  await walk(dir);
  return (newest as { file: string } | null)?.file ?? null;
}

/**
 * Rebuilds a plugin whose sources are newer than its module, so a check never runs on the last
 * build: `validate` reporting "not exported" for a handler that only needs a rebuild misleads.
 */
export async function ensureFreshBuild(dir: string, manifest: ResolvedManifest, log: (line: string) => void): Promise<void> {
  // A plugin without a way to build it (a module copied in) is taken as it is.
  if (!manifest.build && !["assembly/index.ts", "src/index.ts", "src/index.js", "index.ts", "index.js"].some((f) => existsSync(join(dir, f)))) return;
  const changed = await staleSource(dir, manifest);
  if (changed === null) return;
  log(`${changed} changed since the last build: rebuilding ${manifest.name} first`);
  await buildPlugin(dir, manifest, log, lastBinding(dir, manifest));
}

/** The binding of a TypeScript plugin's last build, so a rebuild keeps it (a component stays a component). */
export function lastBinding(dir: string, manifest: ResolvedManifest): GuestBinding | undefined {
  if (manifest.build || manifest.runtime === "grpc" || existsSync(join(dir, "assembly/index.ts"))) return undefined;
  try {
    const binding = inspectModule(new Uint8Array(readFileSync(builtModule(dir, manifest)))).binding;
    return binding === "component" || binding === "extism" ? binding : undefined;
  } catch {
    return undefined;
  }
}

/** `src/**\/*.ts` style patterns (as in manifest build.watch) to a RegExp over relative paths. */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      re += glob[i + 2] === "/" ? "(?:.*/)?" : ".*";
      i += glob[i + 2] === "/" ? 2 : 1;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}
