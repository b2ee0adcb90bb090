import { MANIFEST_FILES } from "@goatkit/sdk";

/** The module's path inside a package, whatever the source folder called it. */
export const PACKAGE_WASM = "plugin.wasm";
/**
 * A gRPC plugin's executable inside a package: `plugin`, or `plugin.mjs` / `.cjs` / `.js` for
 * a Node program (the host runs those on its own Node). Extraction makes it executable.
 */
export const PACKAGE_EXECUTABLE = /^plugin(\.(?:mjs|cjs|js))?$/;

/** The packed name of an executable: its extension kept, so the host still knows a Node program. */
export function packageExecutableName(binary: string): string {
  const ext = /\.(mjs|cjs|js)$/.exec(binary)?.[0] ?? "";
  return `plugin${ext}`;
}

/** The integrity record: SHA-256 of every other file, and a digest over that list. */
export const INTEGRITY_FILE = "goatkit-integrity.json";
/** The optional Ed25519 signature over the integrity digest. */
export const SIGNATURE_FILE = "goatkit-signature.json";
/** Folders a package may hold, as in seed 004's "Plugin Package Format". */
export const PACKAGE_FOLDERS = ["templates", "static", "i18n"] as const;
/** Documents packed from the folder's root when present. */
export const PACKAGE_DOCUMENTS = ["README.md", "CHANGELOG.md", "LICENSE", "LICENSE.md", "LICENSE.txt"] as const;

/** Limits applied when a package is packed, read or extracted (docs/packages.md, "Limits"). */
export interface PackageLimits {
  /** Largest package file, in bytes. */
  maxPackageBytes: number;
  /** Most entries (files) in a package. */
  maxEntries: number;
  /** Largest uncompressed total of all entries, declared and actual, in bytes. */
  maxTotalBytes: number;
  /** Largest uncompressed-to-compressed ratio of one entry above `ratioCheckAboveBytes`. */
  maxCompressionRatio: number;
  /** Entries up to this uncompressed size may have any ratio: the total limit bounds them. */
  ratioCheckAboveBytes: number;
}

export const DEFAULT_PACKAGE_LIMITS: Readonly<PackageLimits> = Object.freeze({
  maxPackageBytes: 100 * 1024 * 1024,
  maxEntries: 10_000,
  maxTotalBytes: 100 * 1024 * 1024,
  maxCompressionRatio: 200,
  ratioCheckAboveBytes: 1024 * 1024,
});

const MAX_NAME_LENGTH = 512;
// ASCII only: names then mean the same bytes on every file system, and case-insensitive or
// Unicode-normalizing file systems cannot merge two entries into one file.
const SEGMENT = /^[A-Za-z0-9_@+-][A-Za-z0-9._@+-]*$/;
const I18N_BUNDLE = /^([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*)\.(yaml|yml|json)$/;

/** Why an entry name is refused: `unsafe` names could write outside the package folder. */
export interface NameProblem {
  kind: "unsafe" | "layout";
  problem: string;
  fix: string;
}

const REBUILD = "do not install this package; ask its publisher for one made with `gk plugin pack`";

/**
 * Checks one entry name (`/`-separated, relative) against the safety rules and the package
 * layout; returns null when it is allowed.
 */
export function checkEntryName(name: string): NameProblem | null {
  const quoted = JSON.stringify(name);
  const unsafe = (why: string): NameProblem => ({ kind: "unsafe", problem: `entry ${quoted} ${why}`, fix: REBUILD });
  if (name === "") return unsafe("has an empty name");
  if (name.length > MAX_NAME_LENGTH) return unsafe(`has a name longer than ${MAX_NAME_LENGTH} characters`);
  if (/[\u0000-\u001f\u007f]/.test(name)) return unsafe("has control characters in its name");
  if (name.includes("\\")) return unsafe("uses backslashes; entry names use / only");
  if (name.startsWith("/")) return unsafe("is an absolute path");
  if (/^[A-Za-z]:/.test(name)) return unsafe("starts with a drive letter");
  if (name.endsWith("/")) return unsafe("is a directory entry; packages hold files only");
  const segments = name.split("/");
  if (segments.includes("..")) return unsafe("climbs out of the package folder with ..");
  if (segments.some((s) => s === "" || s === ".")) return unsafe("has an empty or . path segment");

  const layout = (why: string, fix: string): NameProblem => ({ kind: "layout", problem: `entry ${quoted} ${why}`, fix });
  const bad = segments.find((s) => !SEGMENT.test(s));
  if (bad !== undefined) {
    return bad.startsWith(".")
      ? layout(`is a hidden file (${JSON.stringify(bad)})`, "remove it; hidden files are not packed")
      : layout(`has characters other than A-Z, a-z, 0-9, ".", "_", "-", "@" and "+" (in ${JSON.stringify(bad)})`, "rename the file with those characters only");
  }
  const [first, ...rest] = segments;
  if (rest.length === 0) {
    if (isRootFile(name)) return null;
    return layout(
      "is not part of the package layout",
      `a package holds ${[...MANIFEST_FILES, PACKAGE_WASM, INTEGRITY_FILE, SIGNATURE_FILE].join(", ")}, ${PACKAGE_DOCUMENTS.join(", ")} and the folders ${PACKAGE_FOLDERS.map((f) => `${f}/`).join(", ")}; move or remove it`,
    );
  }
  if (first === "i18n") {
    if (rest.length > 1 || bundleLocale(rest[0]!) === null) {
      return layout("is not a translation bundle", "name bundles i18n/<locale>.yaml, .yml or .json directly under i18n/ (for example i18n/en.yaml, i18n/pt-BR.json)");
    }
    return null;
  }
  if (first === "templates" || first === "static") return null;
  return layout("is not part of the package layout", `put files under ${PACKAGE_FOLDERS.map((f) => `${f}/`).join(", ")}; other folders are not packed`);
}

function isRootFile(name: string): boolean {
  return (
    name === PACKAGE_WASM ||
    PACKAGE_EXECUTABLE.test(name) ||
    name === INTEGRITY_FILE ||
    name === SIGNATURE_FILE ||
    (MANIFEST_FILES as readonly string[]).includes(name) ||
    (PACKAGE_DOCUMENTS as readonly string[]).includes(name)
  );
}

/** The locale a bundle file is for (`i18n/pt_BR.yaml` → `pt-BR`), or null for other names. */
export function bundleLocale(fileName: string): string | null {
  const match = I18N_BUNDLE.exec(fileName);
  if (!match) return null;
  try {
    return Intl.getCanonicalLocales(match[1]!.replace(/_/g, "-"))[0] ?? null;
  } catch {
    return null;
  }
}

/** Merges limits given by a caller over the defaults. */
export function limitsWith(overrides: Partial<PackageLimits> = {}): PackageLimits {
  return { ...DEFAULT_PACKAGE_LIMITS, ...overrides };
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, "")} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1).replace(/\.0$/, "")} KiB`;
  return `${bytes} bytes`;
}
