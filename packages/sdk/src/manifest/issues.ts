/** One problem found in a manifest or registration. */
export interface ManifestIssue {
  /** Where: a JSON-pointer-ish path such as `routes[2].handler`; `""` for the whole document. */
  path: string;
  /** What is wrong. */
  message: string;
  /** How to fix it. */
  fix: string;
  severity: "error" | "warning";
}

/** Formats issues one per line: `<file>: <path>: <message>. Fix: <fix>` (warnings are marked). */
export function formatIssues(issues: readonly ManifestIssue[], file?: string): string {
  return issues.map((issue) => formatIssue(issue, file)).join("\n");
}

function formatIssue(issue: ManifestIssue, file?: string): string {
  const where = [file, issue.path].filter((part) => part !== undefined && part !== "").join(": ");
  const mark = issue.severity === "warning" ? "warning: " : "";
  const line = `${mark}${withoutPeriod(issue.message)}. Fix: ${withoutPeriod(issue.fix)}`;
  return where ? `${where}: ${line}` : line;
}

function withoutPeriod(text: string): string {
  return text.replace(/\.\s*$/, "");
}

/** `E_MANIFEST_INVALID` (unreadable or invalid), `E_MANIFEST_NOT_FOUND`, or `E_REGISTRATION_INVALID` (a malformed gk_register result). */
export type ManifestErrorCode = "E_MANIFEST_INVALID" | "E_MANIFEST_NOT_FOUND" | "E_REGISTRATION_INVALID";

/** Thrown when a manifest (or registration) cannot be found, read or parsed, or does not validate; lists every issue. */
export class ManifestError extends Error {
  override readonly name = "ManifestError";
  readonly code: ManifestErrorCode;
  /** The errors (severity "error"), in document order. */
  readonly issues: readonly ManifestIssue[];
  /** Warnings found alongside the errors. */
  readonly warnings: readonly ManifestIssue[];
  /** The manifest file, when known. */
  readonly file: string | undefined;

  constructor(issues: readonly ManifestIssue[], options: { file?: string; warnings?: readonly ManifestIssue[]; code?: ManifestErrorCode } = {}) {
    super(formatIssues(issues, options.file));
    this.issues = issues;
    this.warnings = options.warnings ?? [];
    this.file = options.file;
    this.code = options.code ?? "E_MANIFEST_INVALID";
  }
}

/** Builds an error issue. */
export function errorAt(path: string, message: string, fix: string): ManifestIssue {
  return { path, message, fix, severity: "error" };
}

/** Builds a warning issue. */
export function warningAt(path: string, message: string, fix: string): ManifestIssue {
  return { path, message, fix, severity: "warning" };
}

/** Appends `.key` or `[index]` to a path; keys that are not identifiers are quoted. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  const segment = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : JSON.stringify(key);
  if (path === "") return segment.startsWith('"') ? `[${segment}]` : segment;
  return segment.startsWith('"') ? `${path}[${segment}]` : `${path}.${segment}`;
}
