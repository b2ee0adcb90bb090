/**
 * Type-checks a TypeScript plugin before it is bundled: esbuild only strips types, so
 * `const n: number = req.query("x")` would otherwise build and fail (or worse, not) at run time.
 * Uses the project's own TypeScript and tsconfig.json, on the program of the entry alone (the
 * files it imports), without emitting anything.
 */
import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { BuildError } from "./build-error.js";

export type TypeScript = typeof import("typescript");

const programs = new Map<string, import("typescript").Program>();
const sourceFiles = new Map<string, { mtime: number; file: import("typescript").SourceFile }>();

/** What the check needs; `skipped` says why it cannot run (no TypeScript installed), null when there is nothing to check (a JavaScript entry). */
export function typeCheckPlan(entryPath: string, pluginDir: string): { check: () => void } | { skipped: string } | null {
  if (!/\.[mc]?tsx?$/.test(entryPath)) return null;
  const ts = loadTypeScript(pluginDir);
  if (!ts) return { skipped: "typescript is not installed in the project (npm install -D typescript adds the check)" };
  return { check: () => typeCheck(ts, entryPath, pluginDir) };
}

/** What a check without a tsconfig.json uses: the scaffold's settings. */
const DEFAULT_OPTIONS = { target: "ES2022", lib: ["ES2022", "DOM"], module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: true };

function typeCheck(ts: TypeScript, entryPath: string, pluginDir: string): void {
  const program = pluginProgram(ts, entryPath, pluginDir);
  const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (diagnostics.length === 0) return;
  const lines = diagnostics.slice(0, 20).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, "\n    ");
    if (!d.file || d.start === undefined) return `  error TS${d.code}: ${text}`;
    return `  ${where(d.file, d.start)}: error TS${d.code}: ${text}`;
  });
  if (diagnostics.length > 20) lines.push(`  … and ${diagnostics.length - 20} more`);
  throw new BuildError("E_TYPE", `the plugin does not type-check (${diagnostics.length} error${diagnostics.length > 1 ? "s" : ""}):\n${lines.join("\n")}\nFix: correct the types at the lines above`);
}

/** `file:line:column` of a position, the file relative to the working directory. */
export function where(file: import("typescript").SourceFile, position: number): string {
  const { line, character } = file.getLineAndCharacterOfPosition(position);
  return `${relative(process.cwd(), file.fileName) || file.fileName}:${line + 1}:${character + 1}`;
}

/** The program of a plugin's entry and what it imports, under the project's tsconfig.json. */
export function pluginProgram(ts: TypeScript, entryPath: string, pluginDir: string): import("typescript").Program {
  const configPath = ts.findConfigFile(pluginDir, ts.sys.fileExists.bind(ts.sys), "tsconfig.json");
  const raw = configPath && configPath.startsWith(pluginDir) ? ts.readConfigFile(configPath, ts.sys.readFile.bind(ts.sys)).config : { compilerOptions: DEFAULT_OPTIONS };
  const parsed = ts.parseJsonConfigFileContent(raw ?? {}, ts.sys, configPath ? dirname(configPath) : pluginDir);
  // Only the entry and what it imports, never the project's tests or emitted files.
  const options = { ...parsed.options, noEmit: true, skipLibCheck: true, incremental: false, composite: false };
  delete options.tsBuildInfoFile;
  // A rebuild in the same process (gk dev) reuses the last program's unchanged files: the
  // standard library and the SDK's types are most of the work, and they do not change.
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const mtime = statSync(fileName, { throwIfNoEntry: false })?.mtimeMs ?? -1;
    const cached = sourceFiles.get(fileName);
    if (cached && cached.mtime === mtime) return cached.file;
    const file = read(fileName, languageVersion, onError, shouldCreate);
    if (file) sourceFiles.set(fileName, { mtime, file });
    return file;
  };
  const program = ts.createProgram({ rootNames: [entryPath], options, host, oldProgram: programs.get(entryPath) });
  programs.set(entryPath, program);
  return program;
}

/** The project's own TypeScript, or null when it has none. */
export function loadTypeScript(pluginDir: string): TypeScript | null {
  const from = existsSync(join(pluginDir, "package.json")) ? join(pluginDir, "package.json") : join(pluginDir, "noop.js");
  try {
    return createRequire(from)("typescript") as TypeScript;
  } catch {
    return null;
  }
}
