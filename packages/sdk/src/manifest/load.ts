import { readFile, stat } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import { errorAt, ManifestError, type ManifestIssue } from "./issues.js";
import { parseManifest, type ManifestFormat } from "./parse.js";
import type { ResolvedManifest } from "./schema.js";

/** The file names a plugin folder's manifest may have, in the order they are looked for. */
export const MANIFEST_FILES = ["manifest.json", "manifest.yaml", "manifest.yml"] as const;

/** A manifest read from disk. */
export interface LoadedManifest {
  manifest: ResolvedManifest;
  /** The file it was read from. */
  file: string;
  warnings: ManifestIssue[];
}

/** Reads and validates the manifest of a plugin folder, or a manifest file; throws ManifestError. */
export async function loadManifest(path: string): Promise<LoadedManifest> {
  const info = await stat(path).catch(() => null);
  if (!info) {
    throw new ManifestError([errorAt("", `no manifest: ${path} does not exist`, `check the path, or create a manifest there (see docs/manifest.md)`)], { file: path, code: "E_MANIFEST_NOT_FOUND" });
  }
  const file = info.isDirectory() ? await findManifestFile(path) : path;
  const format = formatOf(file);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ManifestError([errorAt("", `cannot read the manifest: ${error instanceof Error ? error.message : String(error)}`, "check that the file is readable")], { file });
  }
  const { manifest, warnings } = parseManifest(text, format, file);
  return { manifest, file, warnings };
}

function formatOf(file: string): ManifestFormat {
  const extension = extname(file).toLowerCase();
  if (extension === ".json") return "json";
  if (extension === ".yaml" || extension === ".yml") return "yaml";
  throw new ManifestError([errorAt("", `cannot tell the format of ${basename(file)} from its extension`, `name the file manifest.json, manifest.yaml or manifest.yml`)], { file });
}

async function findManifestFile(dir: string): Promise<string> {
  const found: Array<{ name: string; mtime: number }> = [];
  for (const name of MANIFEST_FILES) {
    const info = await stat(join(dir, name)).catch(() => null);
    if (info?.isFile()) found.push({ name, mtime: info.mtimeMs });
  }
  const [first] = found;
  if (!first) {
    throw new ManifestError([errorAt("", `no manifest.json, manifest.yaml or manifest.yml in ${dir}`, `create manifest.json or manifest.yaml there (see docs/manifest.md)`)], { file: dir, code: "E_MANIFEST_NOT_FOUND" });
  }
  if (found.length > 1) {
    // Keep the most recently edited file; on a tie keep the first in MANIFEST_FILES order.
    const keep = found.reduce((best, f) => (f.mtime > best.mtime ? f : best), first);
    const remove = found.filter((f) => f !== keep).map((f) => f.name);
    throw new ManifestError(
      [
        errorAt(
          "",
          `${dir} has ${found.length} manifests (${found.map((f) => f.name).join(", ")}); a plugin has exactly one`,
          `delete ${remove.join(" and ")} (${keep.name} is the most recently edited) — or keep the other one and delete ${keep.name}, but keep only one`,
        ),
      ],
      { file: dir },
    );
  }
  return join(dir, first.name);
}
