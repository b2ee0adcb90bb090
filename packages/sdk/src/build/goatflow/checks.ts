/**
 * What GoatFlow cannot do that a plugin's source or manifest asks for, found before the build
 * (docs/goatflow.md, "Building for GoatFlow"), and the checks of the built module: only `gk`
 * and WASI imports, the real ABI's exports, at most 16 MiB of memory.
 */
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import type { ResolvedManifest } from "../../manifest/schema.js";
import { readU32, SECTION } from "../../wasm-encoding.js";
import { BuildError } from "../build-error.js";
import { sections } from "./data-segments.js";

/** GoatFlow gives every module 256 pages. */
export const GOATFLOW_MAX_PAGES = 256;
export const PAGE = 65536;

export interface GoatflowIssue {
  severity: "error" | "warning";
  /** The feature, as the author wrote it (`packTemplate`, `widgets[1].location`). */
  feature: string;
  /** Where: `assembly/index.ts:12`, or a manifest path. */
  at: string;
  message: string;
}

const SOURCE_FEATURES: Array<{ pattern: RegExp; feature: string; severity: "error" | "warning"; message: string }> = [
  {
    pattern: /\bpackTemplate\s*\(/,
    feature: "packTemplate",
    severity: "error",
    message: "answers with a template (gk_template), which GoatFlow cannot render; render the HTML in the handler with html(...)",
  },
  { pattern: /\bnew\s+Response\s*\(|(?<![.\w])respond\s*\((?![^)]*\)\s*[:{])/, feature: "Response/respond", severity: "warning", message: "sets a status code or headers; GoatFlow answers 200 without headers (the body is kept)" },
  { pattern: /\bpackError\s*\(/, feature: "packError", severity: "warning", message: 'answers an error status; GoatFlow answers 200 with the {"error", "code", "status"} body' },
  { pattern: /\bhost\.scheduleJob\s*\(/, feature: "host.scheduleJob", severity: "warning", message: "GoatFlow has no schedule_job: the call fails with E_SERVICE; declare the job in the manifest's jobs" },
  { pattern: /\.header\s*\(|\.headers\b/, feature: "request headers", severity: "warning", message: "reads headers; GoatFlow passes none, so they are empty" },
  { pattern: /\.locale\b/, feature: "req.locale", severity: "warning", message: "GoatFlow passes no locale, so it is empty" },
];

/** Scans the plugin's AssemblyScript sources (`assembly/`), comments left out. */
export async function sourceIssues(dir: string): Promise<GoatflowIssue[]> {
  const issues: GoatflowIssue[] = [];
  for (const file of await sourceFiles(join(dir, "assembly"))) {
    const lines = stripComments(await readFile(file, "utf8")).split("\n");
    for (const feature of SOURCE_FEATURES) {
      const hits = lines.flatMap((line, i) => (feature.pattern.test(line) ? [i + 1] : []));
      if (hits.length === 0) continue;
      const at = `${relative(dir, file)}:${hits.slice(0, 5).join(",")}${hits.length > 5 ? ",..." : ""}`;
      issues.push({ severity: feature.severity, feature: feature.feature, at, message: feature.message });
    }
  }
  return issues;
}

async function sourceFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (entry.isDirectory() && entry.name !== "node_modules") out.push(...(await sourceFiles(path)));
    else if (entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(path);
  }
  return out.sort();
}

/** Blanks comments (keeping line breaks) so that a feature named in a comment is not reported. */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (comment) => comment.replace(/[^\n]/g, " "));
}

/** What the manifest asks for that GoatFlow does differently. */
export function manifestIssues(manifest: ResolvedManifest): GoatflowIssue[] {
  const issues: GoatflowIssue[] = [];
  manifest.widgets.forEach((w, i) => {
    if (w.location !== "agent_home") {
      issues.push({ severity: "warning", feature: "widget location", at: `widgets[${i}].location`, message: `"${w.location}": GoatFlow renders only dashboard widgets (agent_home), so widget ${w.id} is never shown there` });
    }
  });
  if (manifest.hooks.length > 0) issues.push({ severity: "warning", feature: "hooks", at: "hooks", message: "GoatFlow never calls hooks" });
  if (manifest.migrations.length > 0) issues.push({ severity: "warning", feature: "migrations", at: "migrations", message: "GoatFlow does not run a plugin's migrations; create its tables there by hand" });
  if ((manifest.limits?.timeout_ms ?? 0) > 30_000) issues.push({ severity: "warning", feature: "limits.timeout_ms", at: "limits.timeout_ms", message: "GoatFlow allows 30 s per call (and does not stop a call past it)" });
  if ((manifest.limits?.memory_mb ?? 0) > 16) issues.push({ severity: "warning", feature: "limits.memory_mb", at: "limits.memory_mb", message: "GoatFlow gives every module 16 MiB; the build caps the module at 16 MiB" });
  return issues;
}

/** The built module's imports and exports are GoatFlow's, and its memory fits in 16 MiB. */
export function checkModule(wasm: Uint8Array): { imports: string[]; exports: string[]; initialPages: number; maximumPages: number | null } {
  const module = new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>);
  const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`);
  const exports = WebAssembly.Module.exports(module).map((e) => e.name);
  const foreign = imports.filter((name) => !name.startsWith("gk.") && !name.startsWith("wasi_snapshot_preview1."));
  if (foreign.length > 0) {
    throw new BuildError("E_GOATFLOW", `the GoatFlow build imports ${foreign.join(", ")}, which GoatFlow does not provide (only gk.host_call, gk.log and WASI); remove the code that declares them (@external imports of your own)`);
  }
  const missing = ["memory", "gk_register", "gk_call", "gk_malloc"].filter((name) => !exports.includes(name));
  if (missing.length > 0) throw new BuildError("E_GOATFLOW", `the GoatFlow build does not export ${missing.join(", ")}; this is a bug in the build, please report it`);
  const { initial, maximum } = memoryLimits(wasm);
  if (initial > GOATFLOW_MAX_PAGES || (maximum !== null && maximum > GOATFLOW_MAX_PAGES)) {
    const mib = ((maximum !== null && maximum > GOATFLOW_MAX_PAGES ? maximum : initial) * PAGE) / 1048576;
    throw new BuildError("E_GOATFLOW", `the module declares ${mib} MiB of memory, over GoatFlow's 16 MiB (256 pages); lower initialMemory/maximumMemory in asconfig.json, or make static data smaller`);
  }
  return { imports, exports, initialPages: initial, maximumPages: maximum };
}

/** The limits of the module's own memory (section 5), read from the binary. */
export function memoryLimits(wasm: Uint8Array): { initial: number; maximum: number | null } {
  const memory = sections(wasm).find((s) => s.id === SECTION.memory);
  if (!memory) return { initial: 0, maximum: null };
  const [, flagsAt] = readU32(wasm, memory.bodyStart); // the count
  const [initial, after] = readU32(wasm, flagsAt + 1);
  return { initial, maximum: wasm[flagsAt]! & 1 ? readU32(wasm, after)[0] : null };
}
