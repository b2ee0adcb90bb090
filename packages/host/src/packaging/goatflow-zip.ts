import { mkdir, mkdtemp, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { checkEntryName, DEFAULT_PACKAGE_LIMITS, INTEGRITY_FILE } from "./layout.js";
import { PackageError } from "./package-error.js";
import { readZipDirectory, readZipEntry, type ZipEntry } from "./zip-reader.js";

/**
 * GoatFlow's upload packages (docs/goatflow.md, "Discovery"): a zip with GoatFlow's
 * `manifest.json` (a GKRegistration, v0.6.5) or a `plugin.yaml` (wip) and the module at its root.
 * Ours always hold `goatkit-integrity.json`; a zip without it is GoatFlow's when `isGoatflow`
 * says its root holds one of GoatFlow's descriptions.
 */
export function goatflowZipEntries(bytes: Uint8Array, label: string): { entries: ZipEntry[]; names: Set<string> } | null {
  let entries: ZipEntry[];
  try {
    entries = readZipDirectory(bytes, label, DEFAULT_PACKAGE_LIMITS);
  } catch {
    return null; // not a zip we can read: the package reader names the problem
  }
  const names = new Set(entries.map((e) => e.name));
  if (names.has(INTEGRITY_FILE) || !(names.has("plugin.yaml") || names.has("manifest.json"))) return null;
  return { entries, names };
}

/** Reads one root file of the zip (its description), checked like every entry. */
export function goatflowZipFile(bytes: Uint8Array, entries: ZipEntry[], name: string, label: string): Uint8Array | null {
  const entry = entries.find((e) => e.name === name && e.type === "file");
  return entry ? readZipEntry(bytes, entry, label) : null;
}

/**
 * Extracts a GoatFlow zip into `target` (replaced as a whole): files only, safe names, sizes and
 * CRCs checked by the zip reader; written to a fresh folder beside the target and renamed into
 * place, so a refused zip leaves nothing behind.
 */
export async function extractGoatflowZip(bytes: Uint8Array, entries: ZipEntry[], target: string, label: string): Promise<void> {
  const files: Array<[string, Uint8Array]> = [];
  for (const entry of entries) {
    if (entry.type === "directory") continue;
    if (entry.type !== "file") throw new PackageError("E_PACKAGE_UNSAFE", `${label}: entry ${JSON.stringify(entry.name)} is a ${entry.type}, not a file`, "do not install this package; ask its publisher for one with files only");
    const problem = checkEntryName(entry.name);
    if (problem?.kind === "unsafe") throw new PackageError("E_PACKAGE_UNSAFE", `${label}: ${problem.problem}`, problem.fix);
    files.push([entry.name, readZipEntry(bytes, entry, label)]);
  }
  await mkdir(dirname(target), { recursive: true });
  const staging = await mkdtemp(join(dirname(target), `.${basename(target)}.extracting-`));
  try {
    for (const [name, data] of files) {
      const path = join(staging, ...name.split("/"));
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, data, { flag: "wx", mode: 0o644 });
    }
    if (await stat(target).catch(() => null)) await rm(target, { recursive: true, force: true });
    await rename(staging, target);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}
