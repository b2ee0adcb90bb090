import { existsSync } from "node:fs";
import { mkdir, symlink } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const PACKAGE = fileURLToPath(new URL("../../../", import.meta.url));
const DIST_INDEX = join(PACKAGE, "dist", "index.js");
/** Three folders under the package, so the bundle finds dist/plugin-worker.js as the sources do (../../../dist). */
const BUNDLE_DIR = join(PACKAGE, "node_modules", ".cache", "goatkit-cluster-test");

/**
 * The module the host-process fixture imports `runHostProcess` from: the built package when its
 * index exports it, else a bundle of src/cluster/host-process.ts made now (the worker scripts
 * still come from dist). Node 20 cannot run the TypeScript sources, so dist must be built
 * either way: `pnpm --filter @goatkit/host build`.
 */
export async function hostProcessEntry(): Promise<{ url: string; from: "dist" | "bundle" }> {
  if (!existsSync(join(PACKAGE, "dist", "plugin-worker.js"))) {
    throw new Error("packages/host/dist is missing; build it first: pnpm --filter @goatkit/host build");
  }
  const dist = (await import(pathToFileURL(DIST_INDEX).href)) as Record<string, unknown>;
  if (typeof dist.runHostProcess === "function") return { url: pathToFileURL(DIST_INDEX).href, from: "dist" };

  // esbuild is tsup's; the package itself does not depend on it.
  const esbuild = createRequire(createRequire(join(PACKAGE, "package.json")).resolve("tsup"))("esbuild") as { build(options: Record<string, unknown>): Promise<unknown> };
  await mkdir(BUNDLE_DIR, { recursive: true });
  const outfile = join(BUNDLE_DIR, "host-process.mjs");
  await esbuild.build({
    entryPoints: [join(PACKAGE, "src", "cluster", "host-process.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    sourcemap: "inline",
    logLevel: "error",
  });
  // Packages resolve from the bundle's folder up to the host package's node_modules.
  const modules = join(BUNDLE_DIR, "node_modules");
  if (!existsSync(modules)) await symlink(join(PACKAGE, "node_modules"), modules, "dir").catch(() => undefined);
  return { url: pathToFileURL(outfile).href, from: "bundle" };
}
