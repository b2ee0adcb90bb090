import { parseDocument } from "yaml";
import { errorAt, ManifestError, type ManifestIssue } from "./issues.js";
import type { ResolvedManifest } from "./schema.js";
import { validateManifest } from "./validate.js";

/** The text formats a manifest can be written in. */
export type ManifestFormat = "json" | "yaml";

/** Parses and validates manifest text (no file system access); throws ManifestError listing every problem. */
export function parseManifest(text: string, format: ManifestFormat, file?: string): { manifest: ResolvedManifest; warnings: ManifestIssue[] } {
  const document = format === "json" ? parseJsonText(text, "the manifest") : parseYamlText(text);
  if (!document.ok) throw new ManifestError(document.issues, { file });
  const result = validateManifest(document.value);
  if (!result.ok) throw new ManifestError(result.errors, { file, warnings: result.warnings });
  return { manifest: result.manifest, warnings: result.warnings };
}

type Parsed = { ok: true; value: unknown } | { ok: false; issues: ManifestIssue[] };

/** Parses JSON; a syntax error becomes an issue with line and column. */
export function parseJsonText(text: string, what: string): Parsed {
  const source = text.replace(/^\uFEFF/, "");
  try {
    return { ok: true, value: JSON.parse(source) };
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).replace(/,? ".*" is not valid JSON$/s, "");
    const { line, column } = jsonErrorPosition(source, reason);
    const plain = reason.replace(/\s*in JSON at position \d+.*$/s, "").replace(/\s*\(line \d+ column \d+\)$/, "");
    const hint = trailingCommaBefore(source, line, column) ? "remove the trailing comma" : "check for a missing comma, quote or bracket";
    return {
      ok: false,
      issues: [errorAt("", `${what} is not valid JSON: ${plain} at line ${line}, column ${column}`, `${hint} at line ${line}, column ${column}`)],
    };
  }
}

function jsonErrorPosition(source: string, message: string): { line: number; column: number } {
  const lineColumn = /line (\d+) column (\d+)/.exec(message);
  if (lineColumn) return { line: Number(lineColumn[1]), column: Number(lineColumn[2]) };
  const position = /position (\d+)/.exec(message);
  const offset = position ? Number(position[1]) : source.trimEnd().length;
  const before = source.slice(0, offset).split("\n");
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

function trailingCommaBefore(source: string, line: number, column: number): boolean {
  const lines = source.split("\n");
  const offset = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + column - 1;
  return /,\s*$/.test(source.slice(0, offset)) && /^\s*[}\]]/.test(source.slice(offset));
}

const YAML_FIXES: Record<string, string> = {
  TAB_AS_INDENT: "indent with spaces, not tabs",
  DUPLICATE_KEY: "remove or rename the repeated key",
  BAD_INDENT: "align the line with its siblings",
  MISSING_CHAR: "check the indentation, and add the character the message says is missing",
  MULTIPLE_DOCS: "keep a single YAML document (remove the extra ---)",
  BLOCK_AS_IMPLICIT_KEY: "put a space after the colon, or quote the value",
};

/** Parses YAML (1.2 core schema); each syntax error becomes an issue with line and column. */
export function parseYamlText(text: string): Parsed {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length === 0) {
    try {
      return { ok: true, value: document.toJS({ maxAliasCount: 100 }) };
    } catch (error) {
      return { ok: false, issues: [errorAt("", `the manifest cannot be read as YAML: ${error instanceof Error ? error.message : String(error)}`, "simplify the YAML (avoid aliases and custom tags)")] };
    }
  }
  return {
    ok: false,
    issues: document.errors.map((e) => {
      const start = e.linePos?.[0];
      const where = start ? ` at line ${start.line}, column ${start.col}` : "";
      const reason = (e.message.split("\n")[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, "");
      const fix = YAML_FIXES[e.code] ?? "fix the YAML syntax";
      return errorAt("", `the manifest is not valid YAML: ${reason}${where}`, start ? `at line ${start.line}, column ${start.col}: ${fix}` : fix);
    }),
  };
}
