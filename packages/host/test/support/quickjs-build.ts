import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildPlugin } from "@goatkit/sdk";

/**
 * Builds a TypeScript plugin folder for the QuickJS binding into a temp folder of its own (its
 * manifest beside the module), the way `gk plugin build` does by default. The fixtures build
 * themselves as components; the QuickJS build takes a fraction of a second.
 */
export async function buildForQuickjs(sourceDir: string): Promise<{ dir: string; bytes: number; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "goatkit-quickjs-"));
  await mkdir(join(dir, "build"), { recursive: true });
  await copyFile(join(sourceDir, "manifest.json"), join(dir, "manifest.json"));
  const { bytes, binding } = await buildPlugin({ dir: sourceDir, outFile: join(dir, "build/plugin.wasm") });
  if (binding !== "quickjs") throw new Error(`the default binding is ${binding}, not quickjs`);
  return { dir, bytes, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
