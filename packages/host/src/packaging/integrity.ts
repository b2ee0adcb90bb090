import { createHash } from "node:crypto";
import { INTEGRITY_FILE, SIGNATURE_FILE } from "./layout.js";
import { PackageError } from "./package-error.js";
import { compareNames } from "./zip-writer.js";

export const INTEGRITY_FORMAT = "goatkit-integrity/1";

/** The content of `goatkit-integrity.json` (docs/packages.md, "Integrity file"). */
export interface IntegrityRecord {
  format: typeof INTEGRITY_FORMAT;
  algorithm: "sha256";
  /** Entry name → SHA-256 of its bytes, lower-case hex; every entry but this file and the signature. */
  files: Record<string, string>;
  /** SHA-256 of the `sha256sum`-style listing of `files` (see {@link integrityDigest}). */
  digest: string;
}

/** How one file differs from the integrity record. */
export interface IntegrityChange {
  file: string;
  change: "modified" | "added" | "removed";
  /** The hash the record lists (modified, removed). */
  expected?: string;
  /** The hash of the file found (modified, added). */
  actual?: string;
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * The digest over a file list: SHA-256 of the lines `<hash>  <name>\n`, sorted by name (the
 * output of `sha256sum`, so admins can check an extracted folder by hand).
 */
export function integrityDigest(files: Readonly<Record<string, string>>): string {
  return sha256Hex(integrityListing(files));
}

export function integrityListing(files: Readonly<Record<string, string>>): string {
  return Object.keys(files)
    .sort(compareNames)
    .map((name) => `${files[name]}  ${name}\n`)
    .join("");
}

/** Builds the integrity record of a package's files (the integrity and signature files are left out). */
export function createIntegrity(files: ReadonlyMap<string, Uint8Array>): IntegrityRecord {
  const hashes: Record<string, string> = {};
  for (const name of [...files.keys()].sort(compareNames)) {
    if (name === INTEGRITY_FILE || name === SIGNATURE_FILE) continue;
    hashes[name] = sha256Hex(files.get(name)!);
  }
  return { format: INTEGRITY_FORMAT, algorithm: "sha256", files: hashes, digest: integrityDigest(hashes) };
}

export function serializeIntegrity(record: IntegrityRecord): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(record, null, 2)}\n`);
}

/** Reads `goatkit-integrity.json`; the digest is checked against the file list. */
export function parseIntegrity(bytes: Uint8Array, label: string): IntegrityRecord {
  const invalid = (why: string) => new PackageError("E_PACKAGE_INVALID", `${label}: ${INTEGRITY_FILE} ${why}`, "pack the plugin again with `gk plugin pack`");
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    throw invalid(`is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(value)) throw invalid("is not a JSON object");
  if (value.format !== INTEGRITY_FORMAT) throw invalid(`has format ${JSON.stringify(value.format)}; this host reads ${JSON.stringify(INTEGRITY_FORMAT)}`);
  if (value.algorithm !== "sha256") throw invalid(`uses algorithm ${JSON.stringify(value.algorithm)}; this host reads "sha256"`);
  if (!isObject(value.files)) throw invalid(`has no "files" object`);
  for (const [name, hash] of Object.entries(value.files)) {
    if (typeof hash !== "string" || !/^[0-9a-f]{64}$/.test(hash)) throw invalid(`lists ${JSON.stringify(name)} with ${JSON.stringify(hash)}, which is not a SHA-256 in lower-case hex`);
  }
  if (typeof value.digest !== "string" || !/^[0-9a-f]{64}$/.test(value.digest)) throw invalid(`has no "digest" in lower-case hex`);
  const files = value.files as Record<string, string>;
  const digest = integrityDigest(files);
  if (digest !== value.digest) {
    throw new PackageError(
      "E_PACKAGE_TAMPERED",
      `${label}: ${INTEGRITY_FILE} was edited: its digest is ${value.digest} but its file list hashes to ${digest}`,
      "do not install this package; get it again from its publisher, or pack it again from source with `gk plugin pack`",
    );
  }
  return { format: INTEGRITY_FORMAT, algorithm: "sha256", files, digest };
}

/** Every difference between a record and the files found, sorted by file name. */
export function compareIntegrity(record: IntegrityRecord, files: ReadonlyMap<string, Uint8Array>): IntegrityChange[] {
  const changes: IntegrityChange[] = [];
  for (const [name, bytes] of files) {
    if (name === INTEGRITY_FILE || name === SIGNATURE_FILE) continue;
    const expected = Object.hasOwn(record.files, name) ? record.files[name] : undefined;
    const actual = sha256Hex(bytes);
    if (expected === undefined) changes.push({ file: name, change: "added", actual });
    else if (expected !== actual) changes.push({ file: name, change: "modified", expected, actual });
  }
  for (const [name, expected] of Object.entries(record.files)) {
    if (!files.has(name)) changes.push({ file: name, change: "removed", expected });
  }
  return changes.sort((a, b) => compareNames(a.file, b.file));
}

/** The refusal for a package whose files differ from its record, naming each change. */
export function tamperedError(label: string, changes: readonly IntegrityChange[]): PackageError {
  const lines = changes.map((c) => {
    if (c.change === "modified") return `${c.file} was modified (expected sha256 ${c.expected}, got ${c.actual})`;
    if (c.change === "added") return `${c.file} was added (not listed in ${INTEGRITY_FILE}; sha256 ${c.actual})`;
    return `${c.file} was removed (listed in ${INTEGRITY_FILE} with sha256 ${c.expected})`;
  });
  return new PackageError(
    "E_PACKAGE_TAMPERED",
    `${label} changed after it was packed: ${lines.join("; ")}`,
    "do not install this package; get it again from its publisher, or pack it again from source with `gk plugin pack`",
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
