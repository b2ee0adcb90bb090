import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import type WabtInit from "wabt";

// Loaded through Node's own require: wabt's Emscripten loader breaks under vitest's transform.
const wabtInit = createRequire(import.meta.url)("wabt") as typeof WabtInit;
const wabt = await wabtInit();

/** Assembles WebAssembly text into a binary, as a test fixture. */
export function wat(source: string): Uint8Array {
  const module = wabt.parseWat("fixture.wat", source, { bulk_memory: true });
  try {
    return new Uint8Array(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}

export async function watFile(name: string): Promise<Uint8Array> {
  return wat(await readFile(new URL(`../fixtures/wat/${name}`, import.meta.url), "utf8"));
}

/** A plugin folder in a temp directory: manifest.json plus plugin.wasm. Remove it with `cleanup`. */
export async function pluginDir(manifest: object, wasm: Uint8Array): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "goatkit-plugin-"));
  await writeFile(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
  await writeFile(join(dir, "plugin.wasm"), wasm);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
