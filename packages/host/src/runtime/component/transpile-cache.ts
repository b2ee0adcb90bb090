/**
 * jco transpile output (JavaScript glue plus core modules) cached on disk by the component's
 * content hash: transpiling takes seconds, reading it back milliseconds. A jco upgrade changes
 * the key, so stale glue is never reused.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { PluginCallError } from "../plugin-call-error.js";

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
}

interface Meta {
  imports: string[];
}

/** Returns the transpiled component for `bytes`, transpiling once per content hash. */
export async function transpiled(bytes: Uint8Array, cacheDir: string): Promise<TranspiledComponent> {
  const key = createHash("sha256").update(bytes).update(`jco@${jcoVersion()}`).digest("hex");
  const dir = join(cacheDir, "components", key);
  const metaPath = join(dir, META);
  if (existsSync(metaPath)) {
    const meta = JSON.parse(await readFile(metaPath, "utf8")) as Meta;
    return { dir, gluePath: join(dir, GLUE), imports: meta.imports, fresh: false };
  }

  const { transpile } = await import("@bytecodealliance/jco");
  let output: Awaited<ReturnType<typeof transpile>>;
  try {
    // `async` instantiation: the host passes every import, so the glue imports nothing itself.
    output = await transpile(bytes, { name: "plugin", instantiation: "async", noTypescript: true, quiet: true });
  } catch (error) {
    throw new PluginCallError("E_LOAD", `jco could not transpile the component: ${error instanceof Error ? error.message : String(error)}; rebuild it with buildPlugin (gk plugin build)`, { cause: error });
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
  return { dir, gluePath: join(dir, GLUE), imports: output.imports, fresh: true };
}

let version: string | null = null;

function jcoVersion(): string {
  if (version === null) {
    // jco's exports map hides package.json; it sits above the entry's dist/ folder.
    const entry = createRequire(import.meta.url).resolve("@bytecodealliance/jco");
    const manifest = join(dirname(entry), "..", "package.json");
    version = (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
  }
  return version;
}
