/**
 * jco transpile output (JavaScript glue plus core modules) cached on disk by the component's
 * content hash: transpiling takes seconds, reading it back milliseconds. A jco upgrade changes
 * the key, so stale glue is never reused. The cache is bounded: after each new entry the least
 * recently used entries are removed until the folder is within its size limit, except those a
 * runner of this process still reads (workers read the core modules when they start).
 */
import { messageOf } from "../../errors.js";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { PluginCallError } from "../plugin-call-error.js";

/**
 * `async` instantiation: the host passes every import, so the glue imports nothing itself. A
 * handler's `err` result is thrown as a ComponentError (jco's default, not the library's).
 * Part of the cache key, with the transpiler's version.
 */
const TRANSPILE_OPTIONS = Object.freeze({ name: "plugin", instantiation: "async", emitTypescriptDeclarations: false, noComponentErrorWrapping: false } as const);

/** The file jco writes the glue to (`name` + `.js`). */
const GLUE = "plugin.js";
const META = "goatkit-transpile.json";

export interface TranspiledComponent {
  /** The folder holding the glue and the core modules. */
  dir: string;
  /** The glue module, exporting `instantiate(getCoreModule, imports)`. */
  gluePath: string;
  /** Interfaces the component imports, as jco keys them (unversioned). */
  imports: string[];
  /** Whether this load transpiled (false: read from the cache). */
  fresh: boolean;
  /** Says the runner is done with the files: the entry may be evicted from then on. */
  release(): void;
}

/** Default size limit of a transpile cache folder: 1 GiB, about 80 TypeScript components. */
export const DEFAULT_TRANSPILE_CACHE_BYTES = 1024 * 1024 * 1024;

/** Entries a runner of this process reads, with how many runners read each. */
const inUse = new Map<string, number>();
// A staging folder this old was left by a process that died while writing it.
const STALE_STAGING_MS = 60 * 60 * 1000;

interface Meta {
  imports: string[];
}

/**
 * Returns the transpiled component for `bytes`, transpiling once per content hash, and keeps
 * `cacheDir` within `maxBytes` (default {@link DEFAULT_TRANSPILE_CACHE_BYTES}) by removing the
 * least recently used entries. Call `release()` when the runner that reads it closes.
 */
export async function transpiled(bytes: Uint8Array, cacheDir: string, maxBytes = DEFAULT_TRANSPILE_CACHE_BYTES): Promise<TranspiledComponent> {
  const key = createHash("sha256").update(bytes).update(`jco-transpile@${jcoVersion()} ${JSON.stringify(TRANSPILE_OPTIONS)}`).digest("hex");
  const dir = join(cacheDir, "components", key);
  const metaPath = join(dir, META);
  if (existsSync(metaPath)) {
    const meta = JSON.parse(await readFile(metaPath, "utf8")) as Meta;
    // The metadata file's mtime is the entry's last use, which eviction orders by.
    const now = new Date();
    await utimes(metaPath, now, now).catch(() => undefined);
    return { dir, gluePath: join(dir, GLUE), imports: meta.imports, fresh: false, release: pin(dir) };
  }

  // jco's transpiler as a library: the jco CLI package would also install its component
  // toolchains (componentize-js, TypeScript, rolldown), which a host never runs.
  const { transpileBytes } = await import("@bytecodealliance/jco-transpile");
  let output: Awaited<ReturnType<typeof transpileBytes>>;
  try {
    // A copy: the transpiler writes into the options it is given.
    output = await transpileBytes(bytes, { ...TRANSPILE_OPTIONS });
  } catch (error) {
    throw new PluginCallError("E_LOAD", `jco could not transpile the component: ${messageOf(error)}; rebuild it with buildPlugin (gk plugin build)`, { cause: error });
  }
  // Write beside the final folder and rename, so a concurrent load never sees half a cache entry.
  const staging = `${dir}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  await mkdir(staging, { recursive: true });
  for (const [name, data] of Object.entries(output.files)) {
    if (name.endsWith(".d.ts")) continue;
    await mkdir(dirname(join(staging, name)), { recursive: true });
    await writeFile(join(staging, name), data);
  }
  await writeFile(join(staging, META), JSON.stringify({ imports: output.imports } satisfies Meta));
  await rename(staging, dir).catch(async (error: NodeJS.ErrnoException) => {
    // Another load finished first: its entry is as good as ours.
    await rm(staging, { recursive: true, force: true });
    if (!existsSync(metaPath)) throw error;
  });
  const release = pin(dir);
  await evictLeastRecentlyUsed(join(cacheDir, "components"), maxBytes);
  return { dir, gluePath: join(dir, GLUE), imports: output.imports, fresh: true, release };
}

function pin(dir: string): () => void {
  inUse.set(dir, (inUse.get(dir) ?? 0) + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const count = (inUse.get(dir) ?? 1) - 1;
    if (count > 0) inUse.set(dir, count);
    else inUse.delete(dir);
  };
}

/** Removes entries, least recently used first, until the folder holds at most `maxBytes`. */
async function evictLeastRecentlyUsed(root: string, maxBytes: number): Promise<void> {
  const entries: Array<{ dir: string; lastUsed: number; bytes: number }> = [];
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const dir = join(root, name);
    if (name.includes(".tmp-")) {
      const info = await stat(dir).catch(() => null);
      if (info && Date.now() - info.mtimeMs > STALE_STAGING_MS) await rm(dir, { recursive: true, force: true });
      continue;
    }
    const meta = await stat(join(dir, META)).catch(() => null);
    if (!meta) continue;
    entries.push({ dir, lastUsed: meta.mtimeMs, bytes: await folderBytes(dir) });
  }
  let total = entries.reduce((sum, entry) => sum + entry.bytes, 0);
  for (const entry of entries.sort((a, b) => a.lastUsed - b.lastUsed)) {
    if (total <= maxBytes) break;
    if (inUse.has(entry.dir)) continue;
    await rm(entry.dir, { recursive: true, force: true });
    total -= entry.bytes;
  }
}

async function folderBytes(dir: string): Promise<number> {
  let bytes = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (entry.isFile()) bytes += (await stat(join(entry.parentPath, entry.name)).catch(() => ({ size: 0 }))).size;
  }
  return bytes;
}

let version: string | null = null;

function jcoVersion(): string {
  if (version === null) {
    // The exports map hides package.json; it sits above the entry's dist/ folder.
    const entry = createRequire(import.meta.url).resolve("@bytecodealliance/jco-transpile");
    const manifest = join(dirname(entry), "..", "package.json");
    version = (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
  }
  return version;
}
