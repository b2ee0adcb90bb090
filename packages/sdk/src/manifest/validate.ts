import { isRecord, semanticIssues } from "./checks.js";
import { errorAt, type ManifestIssue } from "./issues.js";
import { ManifestSchema, type Manifest, type ResolvedManifest } from "./schema.js";
import { structuralIssues } from "./structure.js";

/** The outcome of validating a manifest: the resolved manifest, or every error at once. */
export type ManifestValidationResult =
  | { ok: true; manifest: ResolvedManifest; warnings: ManifestIssue[] }
  | { ok: false; errors: ManifestIssue[]; warnings: ManifestIssue[] };

/** Validates a parsed manifest (structure, then semantic rules) and applies defaults when it is valid. */
export function validateManifest(input: unknown): ManifestValidationResult {
  if (!isRecord(input)) {
    const got = input === null || input === undefined ? "nothing" : Array.isArray(input) ? "a list" : `a ${typeof input}`;
    const issue = errorAt("", `the manifest must be an object of fields, got ${got}`, `start from {"name": "my-plugin", "version": "1.0.0"}`);
    return { ok: false, errors: [issue], warnings: [] };
  }
  const issues = inDocumentOrder(combine(structuralIssues(ManifestSchema, input), semanticIssues(input)), input);
  const errors = issues.filter((i) => i.severity === "error");
  const warnings = issues.filter((i) => i.severity === "warning");
  if (errors.length > 0) return { ok: false, errors, warnings };
  return { ok: true, manifest: resolveManifest(input as Manifest), warnings };
}

/** Structural issues first; a semantic error on a path structure already reported is a repeat. */
export function combine(structural: ManifestIssue[], semantic: ManifestIssue[]): ManifestIssue[] {
  const reported = new Set(structural.map((i) => i.path));
  return [...structural, ...semantic.filter((i) => i.severity === "warning" || !reported.has(i.path))];
}

/** Orders issues by the position of their top-level field in the document (stable within a field); missing fields first. */
export function inDocumentOrder(issues: ManifestIssue[], doc: Record<string, unknown>, keyOf = (path: string) => /^[^.[]*/.exec(path)?.[0] ?? ""): ManifestIssue[] {
  const order = Object.keys(doc);
  const rank = (issue: ManifestIssue) => {
    const index = order.indexOf(keyOf(issue.path));
    // Whole-document issues and missing fields first: they are about the document's head.
    return index < 0 ? -1 : index;
  };
  // Within a list field, issues of earlier items come first.
  const item = (issue: ManifestIssue) => Number(/^[^.[]*\[(\d+)\]/.exec(issue.path)?.[1] ?? -1);
  return issues
    .map((issue, i) => ({ issue, i, rank: rank(issue), item: item(issue) }))
    .sort((a, b) => a.rank - b.rank || a.item - b.item || a.i - b.i)
    .map((x) => x.issue);
}

/**
 * Applies the defaults to a valid manifest without changing what its author wrote: runtime
 * (`type`, else "wasm"), the wasm path (`build.output`, else "plugin.wasm") and empty lists.
 */
export function resolveManifest(manifest: Manifest): ResolvedManifest {
  const copy = structuredClone(manifest);
  const runtime = copy.runtime ?? copy.type ?? "wasm";
  return {
    ...copy,
    runtime,
    ...(runtime === "wasm" ? { wasm: copy.wasm ?? copy.build?.output ?? "plugin.wasm" } : {}),
    routes: copy.routes ?? [],
    widgets: copy.widgets ?? [],
    jobs: copy.jobs ?? [],
    permissions: copy.permissions ?? [],
    functions: copy.functions ?? [],
    hooks: copy.hooks ?? [],
    menu_items: copy.menu_items ?? [],
    migrations: copy.migrations ?? [],
    config: copy.config ?? {},
  };
}
