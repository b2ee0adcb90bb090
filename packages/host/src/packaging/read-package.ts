import { MANIFEST_FILES, parseManifest, type ManifestIssue, type ResolvedManifest } from "@goatkit/sdk";
import { parseTranslationBundle } from "./i18n.js";
import { compareIntegrity, parseIntegrity, tamperedError, type IntegrityRecord } from "./integrity.js";
import { checkEntryName, formatBytes, INTEGRITY_FILE, limitsWith, PACKAGE_EXECUTABLE, PACKAGE_WASM, SIGNATURE_FILE, type PackageLimits } from "./layout.js";
import { PackageError } from "./package-error.js";
import { checkSignature, type SignatureCheck, type TrustOptions } from "./verify.js";
import { readZipDirectory, readZipEntry, type ZipEntry } from "./zip-reader.js";

export interface ReadPackageOptions {
  /** Signature policy and trusted keys; default policy `warn`. */
  trust?: TrustOptions;
  /** Overrides of {@link DEFAULT_PACKAGE_LIMITS}. */
  limits?: Partial<PackageLimits>;
  /** How messages name the package, e.g. its file name. Default "the package". */
  label?: string;
}

/** A package that passed every check, held in memory. */
export interface PluginPackage {
  label: string;
  manifest: ResolvedManifest;
  /** `manifest.json`, `manifest.yaml` or `manifest.yml`. */
  manifestFile: string;
  manifestWarnings: ManifestIssue[];
  /** Every entry by name, the integrity and signature files included. */
  files: ReadonlyMap<string, Uint8Array>;
  integrity: IntegrityRecord;
  signature: SignatureCheck;
  /** Things an admin should see (an unsigned or untrusted package under `warn`). */
  warnings: string[];
}

/**
 * Reads and checks a package without touching the disk: zip structure, names and layout,
 * limits, integrity, signature (under the trust policy), manifest and translations.
 */
export function readPackage(bytes: Uint8Array, options: ReadPackageOptions = {}): PluginPackage {
  const label = options.label ?? "the package";
  const limits = limitsWith(options.limits);
  if (bytes.byteLength > limits.maxPackageBytes) {
    throw new PackageError("E_PACKAGE_UNSAFE", `${label} is ${formatBytes(bytes.byteLength)}, more than the limit of ${formatBytes(limits.maxPackageBytes)}`, "make the package smaller (keep large media out of static/), or raise maxPackageBytes if this package is trusted");
  }
  const entries = readZipDirectory(bytes, label, limits);
  checkEntries(entries, label, limits);

  const files = new Map<string, Uint8Array>();
  for (const entry of entries) files.set(entry.name, readZipEntry(bytes, entry, label));

  const integrityBytes = files.get(INTEGRITY_FILE);
  if (!integrityBytes) throw new PackageError("E_PACKAGE_INVALID", `${label} has no ${INTEGRITY_FILE}, so it is not a GoatKit package`, "create packages with `gk plugin pack`");
  const integrity = parseIntegrity(integrityBytes, label);
  const changes = compareIntegrity(integrity, files);
  if (changes.length > 0) throw tamperedError(label, changes);

  const signature = checkSignature(label, integrity.digest, files.get(SIGNATURE_FILE), options.trust);
  const warnings = signature.status === "unsigned" || signature.status === "untrusted" ? [signature.warning] : [];

  const manifestFile = MANIFEST_FILES.find((name) => files.has(name))!;
  const manifestText = new TextDecoder().decode(files.get(manifestFile));
  const { manifest, warnings: manifestWarnings } = parseManifest(manifestText, manifestFile.endsWith(".json") ? "json" : "yaml", `${label}: ${manifestFile}`);
  if (manifest.runtime === "grpc") {
    const binary = normalizePath(manifest.grpc!.binary);
    if (!PACKAGE_EXECUTABLE.test(binary) || !files.has(binary)) {
      throw new PackageError("E_PACKAGE_INVALID", `${label}: the manifest's executable is ${JSON.stringify(manifest.grpc!.binary)}, but a package holds it as plugin, plugin.mjs, plugin.cjs or plugin.js`, "pack the plugin with `gk plugin pack`, which points the packed manifest at the packed executable");
    }
  } else if (normalizePath(manifest.wasm ?? PACKAGE_WASM) !== PACKAGE_WASM) {
    throw new PackageError("E_PACKAGE_INVALID", `${label}: the manifest's module is ${JSON.stringify(manifest.wasm)}, but a package's module is ${PACKAGE_WASM}`, "pack the plugin with `gk plugin pack`, which points the packed manifest at plugin.wasm");
  }

  for (const [name, data] of files) {
    if (name.startsWith("i18n/")) parseTranslationBundle(`${label}: ${name}`, new TextDecoder().decode(data));
  }
  return { label, manifest, manifestFile, manifestWarnings, files, integrity, signature, warnings };
}

function checkEntries(entries: readonly ZipEntry[], label: string, limits: PackageLimits): void {
  const seen = new Map<string, string>();
  const files = new Set<string>();
  const folders = new Set<string>();
  let declaredTotal = 0;
  for (const entry of entries) {
    const problem = checkEntryName(entry.name);
    if (problem) throw new PackageError(problem.kind === "unsafe" ? "E_PACKAGE_UNSAFE" : "E_PACKAGE_INVALID", `${label}: ${problem.problem}`, problem.fix);
    const quoted = JSON.stringify(entry.name);
    if (entry.type !== "file") {
      throw new PackageError("E_PACKAGE_UNSAFE", `${label}: entry ${quoted} is a ${entry.type === "other" ? "special file" : entry.type}, not a regular file`, "do not install this package; packages hold regular files only");
    }
    // Case-insensitive file systems would write both names to one file.
    const key = entry.name.toLowerCase();
    const previous = seen.get(key);
    if (previous !== undefined) {
      const how = previous === entry.name ? "appears twice" : `and ${JSON.stringify(previous)} differ only in case`;
      throw new PackageError("E_PACKAGE_UNSAFE", `${label}: entry ${quoted} ${how}`, "do not install this package; a later entry would silently replace an earlier one");
    }
    seen.set(key, entry.name);
    files.add(key);
    const segments = key.split("/");
    for (let n = 1; n < segments.length; n++) folders.add(segments.slice(0, n).join("/"));

    declaredTotal += entry.size;
    if (declaredTotal > limits.maxTotalBytes) {
      throw new PackageError("E_PACKAGE_UNSAFE", `${label} declares more than ${formatBytes(limits.maxTotalBytes)} of uncompressed content (reached at ${quoted}, ${formatBytes(entry.size)})`, "do not install this package if you did not expect that; otherwise raise maxTotalBytes");
    }
    if (entry.size > limits.ratioCheckAboveBytes && entry.size > entry.compressedSize * limits.maxCompressionRatio) {
      const ratio = Math.round(entry.size / Math.max(1, entry.compressedSize));
      throw new PackageError("E_PACKAGE_UNSAFE", `${label}: entry ${quoted} expands ${ratio}:1 (${formatBytes(entry.compressedSize)} to ${formatBytes(entry.size)}), more than the limit of ${limits.maxCompressionRatio}:1`, "do not install this package; that ratio is a zip bomb's");
    }
  }
  for (const name of files) {
    if (folders.has(name)) throw new PackageError("E_PACKAGE_UNSAFE", `${label}: ${JSON.stringify(name)} is both a file and a folder`, "do not install this package; one entry would overwrite the other");
  }

  const names = new Set(entries.map((entry) => entry.name));
  const manifests = MANIFEST_FILES.filter((name) => names.has(name));
  if (manifests.length === 0) throw new PackageError("E_PACKAGE_INVALID", `${label} has no manifest.yaml or manifest.json at its root`, "create packages with `gk plugin pack`");
  if (manifests.length > 1) throw new PackageError("E_PACKAGE_INVALID", `${label} has ${manifests.length} manifests (${manifests.join(", ")})`, "a plugin has exactly one manifest; pack it again with `gk plugin pack`");
  // A module, or a gRPC plugin's executable (checked against its manifest once that is read).
  if (!names.has(PACKAGE_WASM) && ![...names].some((name) => PACKAGE_EXECUTABLE.test(name))) {
    throw new PackageError("E_PACKAGE_INVALID", `${label} has no ${PACKAGE_WASM} at its root`, "create packages with `gk plugin pack`");
  }
}

function normalizePath(path: string): string {
  return path.replace(/^(\.\/)+/, "");
}
