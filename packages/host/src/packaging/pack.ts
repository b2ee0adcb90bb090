import { lstat, readdir, readFile } from "node:fs/promises";
import { basename, join, relative, resolve, sep } from "node:path";
import { loadManifest, parseManifest, type ResolvedManifest } from "@goatkit/sdk";
import { parseTranslationBundle, FALLBACK_LOCALE } from "./i18n.js";
import { createIntegrity, serializeIntegrity, type IntegrityRecord } from "./integrity.js";
import { parseSigningKey, type SigningKey } from "./keys.js";
import { checkEntryName, formatBytes, INTEGRITY_FILE, limitsWith, PACKAGE_DOCUMENTS, PACKAGE_FOLDERS, PACKAGE_WASM, packageExecutableName, SIGNATURE_FILE, type PackageLimits } from "./layout.js";
import { pointManifestAtPackageExecutable, pointManifestAtPackageWasm } from "./manifest-rewrite.js";
import { PackageError } from "./package-error.js";
import { readPackage } from "./read-package.js";
import { signIntegrity } from "./sign.js";
import { serializeSignature } from "./signature-file.js";
import { writeZip } from "./zip-writer.js";

export interface PackOptions {
  /** Sign the package with this key (PKCS#8 PEM or a parsed key). */
  signingKey?: string | SigningKey;
  /** Overrides of {@link DEFAULT_PACKAGE_LIMITS}; a package is never packed bigger than it may be read. */
  limits?: Partial<PackageLimits>;
}

/** A packed plugin. */
export interface PackResult {
  /** The zip. */
  bytes: Uint8Array;
  /** `<name>-<version>.zip`. */
  fileName: string;
  /** The manifest as packed (its module is plugin.wasm). */
  manifest: ResolvedManifest;
  /** Every entry by name, as stored (the packed manifest, integrity and signature included). */
  files: ReadonlyMap<string, Uint8Array>;
  integrity: IntegrityRecord;
  /** True when the packed manifest was pointed at plugin.wasm (see docs/packages.md). */
  manifestRewritten: boolean;
  /** Key id of the signature, when signed. */
  signedBy: string | null;
  /** Files left out (hidden files), relative to the folder. */
  skipped: string[];
  warnings: string[];
}

/**
 * Packs a plugin folder into the seed-004 zip: manifest, plugin.wasm, templates/, static/,
 * i18n/ and root documents, plus `goatkit-integrity.json`; the same folder always gives the
 * same bytes.
 *
 * @example
 * const { bytes, fileName } = await packPlugin("plugins/ticket-counter");
 * await writeFile(fileName, bytes);
 */
export async function packPlugin(dir: string, options: PackOptions = {}): Promise<PackResult> {
  const root = resolve(dir);
  const limits = limitsWith(options.limits);
  const { manifest, file: manifestPath } = await loadManifest(root);
  const manifestFile = basename(manifestPath);
  if (resolve(manifestPath, "..") !== root) throw new PackageError("E_PACK_SOURCE", `${root} is not a plugin folder`, "give the folder that holds the manifest");
  const files = new Map<string, Uint8Array>();
  if (manifest.runtime === "grpc") return finish(root, manifestPath, manifest, files, await packExecutable(root, manifestPath, manifest, files), limits, options);

  const wasmPath = join(root, manifest.wasm ?? PACKAGE_WASM);
  const wasm = await readFile(wasmPath).catch(() => null);
  if (!wasm) {
    const build = manifest.build ? `run the build (${[manifest.build.command, ...(manifest.build.args ?? [])].join(" ")})` : "build the plugin";
    throw new PackageError("E_PACK_SOURCE", `${wasmPath} does not exist`, `${build} before packing`);
  }
  if (wasm.byteLength < 8 || wasm.readUInt32BE(0) !== 0x0061736d) throw new PackageError("E_PACK_SOURCE", `${wasmPath} is not a WebAssembly module`, "point `wasm` (or build.output) at the module the build writes");
  files.set(PACKAGE_WASM, wasm);

  const manifestBytes = await readFile(manifestPath);
  const rewrite = (manifest.wasm ?? PACKAGE_WASM).replace(/^(\.\/)+/, "") !== PACKAGE_WASM;
  const format = manifestFile.endsWith(".json") ? "json" : "yaml";
  files.set(manifestFile, rewrite ? new TextEncoder().encode(pointManifestAtPackageWasm(manifestBytes.toString("utf8"), format, manifestPath)) : manifestBytes);
  return finish(root, manifestPath, manifest, files, rewrite, limits, options);
}

/** Adds a gRPC plugin's executable and its manifest, pointed at the packed name; true when rewritten. */
async function packExecutable(root: string, manifestPath: string, manifest: ResolvedManifest, files: Map<string, Uint8Array>): Promise<boolean> {
  const binaryPath = join(root, manifest.grpc!.binary);
  const executable = await readFile(binaryPath).catch(() => null);
  if (!executable) {
    const build = manifest.build ? `run the build (${[manifest.build.command, ...(manifest.build.args ?? [])].join(" ")})` : "build the plugin (gk plugin build)";
    throw new PackageError("E_PACK_SOURCE", `${binaryPath} does not exist`, `${build} before packing`);
  }
  const name = packageExecutableName(manifest.grpc!.binary);
  files.set(name, executable);
  const manifestFile = basename(manifestPath);
  const manifestBytes = await readFile(manifestPath);
  const rewrite = manifest.grpc!.binary.replace(/^(\.\/)+/, "") !== name || manifest.build !== undefined;
  files.set(manifestFile, rewrite ? new TextEncoder().encode(pointManifestAtPackageExecutable(manifestBytes.toString("utf8"), manifestFile.endsWith(".json") ? "json" : "yaml", manifestPath, name)) : manifestBytes);
  return rewrite;
}

async function finish(root: string, manifestPath: string, manifest: ResolvedManifest, files: Map<string, Uint8Array>, rewrite: boolean, limits: PackageLimits, options: PackOptions): Promise<PackResult> {
  const manifestFile = basename(manifestPath);
  const packedManifest = rewrite ? parseManifest(new TextDecoder().decode(files.get(manifestFile)), manifestFile.endsWith(".json") ? "json" : "yaml", `${manifestFile} (as packed)`).manifest : manifest;

  const skipped: string[] = [];
  for (const name of [...PACKAGE_DOCUMENTS, ...PACKAGE_FOLDERS]) await collect(root, name, files, skipped);

  const warnings: string[] = [];
  const bundles = [...files.keys()].filter((name) => name.startsWith("i18n/"));
  for (const name of bundles) parseTranslationBundle(name, new TextDecoder().decode(files.get(name)));
  if (bundles.length > 0 && !bundles.some((name) => name.startsWith(`i18n/${FALLBACK_LOCALE}.`))) {
    warnings.push(`i18n/ has no ${FALLBACK_LOCALE} bundle: users whose locale has no bundle see no strings; add i18n/${FALLBACK_LOCALE}.yaml`);
  }
  checkLimits(files, limits);

  const integrity = createIntegrity(files);
  files.set(INTEGRITY_FILE, serializeIntegrity(integrity));
  let signedBy: string | null = null;
  if (options.signingKey) {
    const key = typeof options.signingKey === "string" ? parseSigningKey(options.signingKey) : options.signingKey;
    files.set(SIGNATURE_FILE, serializeSignature(signIntegrity(integrity.digest, key)));
    signedBy = key.keyId;
  }
  const bytes = writeZip(files);
  selfCheck(bytes, limits);
  return { bytes, fileName: `${manifest.name}-${manifest.version}.zip`, manifest: packedManifest, files, integrity, manifestRewritten: rewrite, signedBy, skipped, warnings };
}

async function collect(root: string, folder: string, files: Map<string, Uint8Array>, skipped: string[]): Promise<void> {
  const path = join(root, folder);
  const info = await lstat(path).catch(() => null);
  if (!info) return;
  const name = relative(root, path).split(sep).join("/");
  if (info.isSymbolicLink()) throw new PackageError("E_PACK_SOURCE", `${path} is a symbolic link`, "packages hold regular files only: copy the file or folder in place of the link");
  if (info.isDirectory()) {
    const children = (await readdir(path)).sort();
    for (const child of children) {
      if (child.startsWith(".")) {
        skipped.push(`${name}/${child}`);
        continue;
      }
      await collect(root, `${folder}/${child}`, files, skipped);
    }
    return;
  }
  if (!info.isFile()) throw new PackageError("E_PACK_SOURCE", `${path} is not a regular file`, "remove it from the plugin folder");
  const problem = checkEntryName(name);
  if (problem) throw new PackageError("E_PACK_SOURCE", `${path}: ${problem.problem}`, problem.fix);
  files.set(name, await readFile(path));
}

/** Reads the package back as a host would, so a package that would be refused is never written. */
function selfCheck(bytes: Uint8Array, limits: PackageLimits): void {
  try {
    readPackage(bytes, { trust: { policy: "off" }, limits, label: "the packed plugin" });
  } catch (error) {
    if (!(error instanceof PackageError)) throw error;
    throw new PackageError("E_PACK_SOURCE", `the package would be refused when installed: ${error.problem}`, "change or remove the file it names, or pack with the limits the installing host uses");
  }
}

function checkLimits(files: ReadonlyMap<string, Uint8Array>, limits: PackageLimits): void {
  // Two entries more are added below: the integrity file and maybe a signature.
  if (files.size + 2 > limits.maxEntries) {
    throw new PackageError("E_PACK_SOURCE", `the package would have ${files.size + 2} entries, more than the limit of ${limits.maxEntries}`, "remove files from templates/ and static/");
  }
  let total = 0;
  for (const bytes of files.values()) total += bytes.byteLength;
  if (total > limits.maxTotalBytes) {
    throw new PackageError("E_PACK_SOURCE", `the package would hold ${formatBytes(total)}, more than the limit of ${formatBytes(limits.maxTotalBytes)}`, "serve large media from elsewhere instead of static/");
  }
}
