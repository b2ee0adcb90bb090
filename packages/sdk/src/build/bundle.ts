/** Bundles a generated entry and the author's code (and the npm libraries it imports) into one file. */
import { join } from "node:path";
import { BuildError } from "./build-error.js";
import { COMPONENT_HOST_IMPORT } from "./plugin-entry.js";

export type BundleFormat = "quickjs" | "goatflow" | "component" | "extism" | "process" | "describe";

// The QuickJS binding runs one script (QuickJS-ng speaks ES2023), minified: it is the whole
// artifact, and names stay for stack traces and error names. componentize-js takes one ES
// module; extism-js takes CommonJS at ES2020 (QuickJS);
// the build's own look at the plugin runs a script in a Node VM.
const FORMATS = {
  quickjs: { format: "iife", target: "es2023", minify: true, keepNames: true },
  // The GoatFlow target's engine is QuickJS 2021-03-27 (ES2020), in each plugin's own module.
  goatflow: { format: "iife", target: "es2020", minify: true, keepNames: true },
  component: { format: "esm", target: "es2022" },
  extism: { format: "cjs", target: "es2020" },
  describe: { format: "iife", target: "es2022" },
  process: { format: "esm", target: "node20" },
} as const;

// A process plugin is a Node program: its libraries may use Node's modules, and CommonJS ones
// (@grpc/grpc-js) need `require` inside the ES module. The shebang makes the file the launcher.
const PROCESS_BANNER = ["#!/usr/bin/env node", 'import { createRequire as __goatkitCreateRequire } from "node:module";', "const require = __goatkitCreateRequire(import.meta.url);"].join("\n");

/** Returns the bundled JavaScript of `entry` (module text resolved from `resolveDir`). */
export async function bundle(entry: string, resolveDir: string, kind: BundleFormat): Promise<string> {
  return (await bundleMapped(entry, resolveDir, kind, false)).code;
}

/**
 * Returns the bundled JavaScript and, with `sourceMap`, its source map (JSON text, sources
 * relative to `resolveDir`, without their contents): a stack of the minified script
 * (`plugin.js:6:682`) maps back to the author's `src/index.ts:12:11`.
 */
export async function bundleMapped(entry: string, resolveDir: string, kind: BundleFormat, sourceMap: boolean): Promise<{ code: string; map: string | null }> {
  const esbuild = await import("esbuild");
  try {
    const result = await esbuild.build({
      stdin: { contents: entry, resolveDir, sourcefile: "goatkit-plugin-entry.js", loader: "js" },
      bundle: true,
      write: false,
      ...(kind === "process"
        ? { platform: "node" as const, banner: { js: PROCESS_BANNER } }
        : {
            platform: "neutral" as const,
            // Libraries published for browsers and Node both work; plugins have neither's APIs.
            mainFields: ["module", "main"],
            conditions: ["import", "default"],
          }),
      external: kind === "component" ? [COMPONENT_HOST_IMPORT] : [],
      ...FORMATS[kind],
      logLevel: "silent",
      legalComments: "none",
      charset: "utf8",
      // The script's name in the engine's stacks is plugin.js, beside the folder's sources.
      ...(sourceMap ? { sourcemap: "external" as const, sourcesContent: false, outfile: join(resolveDir, "plugin.js") } : {}),
    });
    const code = result.outputFiles.find((file) => !file.path.endsWith(".map"))!.text;
    return { code, map: result.outputFiles.find((file) => file.path.endsWith(".map"))?.text ?? null };
  } catch (error) {
    throw new BuildError("E_BUNDLE", `bundling the plugin failed:\n${describeEsbuildErrors(error)}`, { cause: error });
  }
}

function describeEsbuildErrors(error: unknown): string {
  const errors = (error as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors;
  if (!Array.isArray(errors)) return error instanceof Error ? error.message : String(error);
  return errors
    .map(({ text, location }) => {
      const where = location ? `${location.file}:${location.line}:${location.column}: ` : "";
      return `  ${where}${text}${hintFor(text)}`;
    })
    .join("\n");
}

function hintFor(text: string): string {
  if (/Could not resolve "@goatkit\/sdk/.test(text)) return " (add @goatkit/sdk to the plugin's dependencies and install it)";
  if (/Could not resolve "(node:|fs"|path"|os"|crypto"|http"|child_process")/.test(text)) {
    return " (plugins run without Node's built-in modules: use the host functions, or a library that does not need Node)";
  }
  const unresolved = /^Could not resolve "([^"]+)"/.exec(text)?.[1];
  if (unresolved?.startsWith(".") || unresolved?.startsWith("/")) return " (no such file: correct the import path)";
  if (unresolved) {
    const name = unresolved.startsWith("@") ? unresolved.split("/").slice(0, 2).join("/") : unresolved.split("/")[0]!;
    return ` (install it: npm install ${name}; or correct the import)`;
  }
  if (/No matching export .* for import "default"/.test(text)) return " (the plugin entry must `export default definePlugin({ register, handlers })`)";
  return "";
}

