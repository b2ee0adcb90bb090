import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildGoatflow } from "@goatkit/sdk";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** A plugin folder whose module is the GoatFlow build: the manifest, with build/plugin.wasm = build/goatflow/stats.wasm. */
    statsGoatflowDir: string;
  }
}

const pluginDir = new URL("..", import.meta.url).pathname;
let folder = "";

/** Builds the plugin for GoatFlow with the real asc, and gives the suite a folder that loads that module. */
export async function setup(project: TestProject): Promise<void> {
  const built = await buildGoatflow({ dir: pluginDir });
  folder = await mkdtemp(join(tmpdir(), "stats-goatflow-"));
  await mkdir(join(folder, "build"));
  await copyFile(built.outFile, join(folder, "build/plugin.wasm"));
  await copyFile(join(pluginDir, "package.json"), join(folder, "package.json"));
  const { build: _build, ...manifest } = JSON.parse(await readFile(join(pluginDir, "manifest.json"), "utf8"));
  await writeFile(join(folder, "manifest.json"), JSON.stringify({ ...manifest, wasm: "build/plugin.wasm" }, null, 2));
  project.provide("statsGoatflowDir", folder);
}

export async function teardown(): Promise<void> {
  if (folder) await rm(folder, { recursive: true, force: true });
}
