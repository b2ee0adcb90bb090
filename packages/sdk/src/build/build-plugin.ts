/**
 * Builds a TypeScript plugin folder into the `.wasm` its manifest names: bundle the author's
 * code with esbuild, check it against the manifest, then pack the script for the host's shared
 * QuickJS engine (the default), componentize it (component binding) or compile it with
 * extism-js (Extism binding).
 */
import { existsSync } from "node:fs";
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { loadManifest } from "../manifest/load.js";
import { BuildError } from "./build-error.js";
import { bundle, bundleMapped } from "./bundle.js";
import { componentizeBundle } from "./componentize.js";
import { describePlugin } from "./describe-plugin.js";
import { typeCheckPlan } from "./type-check.js";
import { compileWithExtismJs } from "./extism-js.js";
import { buildGoatflowTypescript } from "./goatflow-typescript.js";
import { componentEntry, extismEntry, processEntry, quickjsEntry } from "./plugin-entry.js";
import { quickjsModule } from "./quickjs-module.js";
import { ProgressReporter, type ProgressListener } from "./progress.js";

/** `process` is the gRPC runtime's: a Node program serving plugin.proto (docs/grpc.md). */
export type GuestBinding = "quickjs" | "component" | "extism" | "process";

/** The bindings `buildPlugin` can produce, the default for `runtime: "wasm"` first. */
export const GUEST_BINDINGS: readonly GuestBinding[] = ["quickjs", "component", "extism", "process"];

/** `goatkit` (default): this project's hosts; `goatflow`: GoatFlow's own plugin ABI (docs/goatflow.md). */
export type BuildTarget = "goatkit" | "goatflow";

export interface BuildOptions {
  /** The plugin folder (with its manifest). */
  dir: string;
  /**
   * `quickjs` (default for `runtime: "wasm"`): a small module of the plugin's script, run on the
   * host's shared QuickJS engine; `component`: a WebAssembly component with its own engine;
   * `extism`: an Extism plugin (needs extism-js on PATH); `process` (default and only choice for
   * `runtime: "grpc"`): one executable ES module serving the plugin over gRPC.
   */
  binding?: GuestBinding;
  /**
   * `goatflow`: one self-contained module with the JavaScript engine inside that GoatFlow loads
   * (its ABI: gk_register, gk_call; imports gk and WASI only); needs @bytecodealliance/wizer.
   */
  target?: BuildTarget;
  /** The entry module, relative to `dir`; default: the first of src/index.ts, src/index.js, index.ts, index.js. */
  entry?: string;
  /** Where to write the plugin, relative to `dir`; default: `grpc.binary`, else the manifest's `wasm`, else `build.output`, else plugin.wasm. */
  outFile?: string;
  onProgress?: ProgressListener;
}

export interface BuildResult {
  /** Absolute path of the written plugin. */
  outFile: string;
  binding: GuestBinding | "goatflow";
  bytes: number;
  handlers: string[];
  durationMs: number;
}

const ENTRY_CANDIDATES = ["src/index.ts", "src/index.js", "index.ts", "index.js"];

/**
 * Builds a plugin.
 *
 * @example
 * const { outFile } = await buildPlugin({ dir: "plugins/faq", onProgress: (e) => console.log(e.message) });
 */
export async function buildPlugin(options: BuildOptions): Promise<BuildResult> {
  const dir = resolve(options.dir);
  if (options.binding !== undefined && !GUEST_BINDINGS.includes(options.binding)) {
    throw new BuildError("E_BINDING", `unknown binding "${String(options.binding)}"; use one of ${GUEST_BINDINGS.join(", ")}`);
  }
  const progress = new ProgressReporter(options.onProgress);
  const { manifest } = await loadManifest(dir);
  const grpc = manifest.runtime === "grpc";
  const binding = options.binding ?? (grpc ? "process" : "quickjs");
  if (grpc !== (binding === "process")) {
    throw new BuildError(
      "E_BINDING",
      grpc
        ? `the manifest's runtime is "grpc", which runs a process, not the ${binding} binding; build without a binding (or with "process"), or set "runtime": "wasm"`
        : `the process binding builds gRPC plugins, but the manifest's runtime is "wasm"; set "runtime": "grpc" with a grpc section, or build for quickjs, component or extism`,
    );
  }
  if (options.target !== undefined && options.target !== "goatkit" && options.target !== "goatflow") {
    throw new BuildError("E_TARGET", `unknown target "${String(options.target)}"; use goatkit (the default) or goatflow`);
  }
  const goatflow = options.target === "goatflow";
  if (goatflow && (grpc || (options.binding !== undefined && options.binding !== "quickjs"))) {
    throw new BuildError("E_TARGET", grpc ? 'GoatFlow loads WebAssembly plugins: set "runtime": "wasm" to build for --target goatflow' : `--target goatflow builds its own module (QuickJS inside); leave out --binding ${options.binding}`);
  }
  const entryPath = findEntry(dir, options.entry);
  const outFile = resolve(dir, options.outFile ?? manifest.grpc?.binary ?? manifest.wasm ?? manifest.build?.output ?? "plugin.wasm");

  const description = await progress.step("check", `checking ${relative(dir, entryPath)} against the manifest`, () => describePlugin(entryPath, dir, manifest, { node: binding === "process" }));
  // After the check: an import that does not resolve or a handler the manifest names but the
  // code lacks gets the bundler's or the check's message, which name the fix.
  const typeCheck = typeCheckPlan(entryPath, dir);
  if (typeCheck && "check" in typeCheck) await progress.step("typecheck", `type-checking ${relative(dir, entryPath)}`, async () => typeCheck.check());
  else if (typeCheck) progress.note("typecheck", `type check skipped: ${typeCheck.skipped}`);
  let wasm: Uint8Array;
  let sourceMap: string | null = null;
  if (goatflow) {
    wasm = await progress.step("goatflow", "bundling and pre-initialising the GoatFlow engine with Wizer", () =>
      buildGoatflowTypescript({ entryPath, dir, manifest, warn: (message) => progress.note("goatflow", `warning: ${message}`) }),
    );
  } else if (binding === "quickjs") {
    const { code, map } = await progress.step("bundle", "bundling with esbuild", () => bundleMapped(quickjsEntry(entryPath), dir, "quickjs", true));
    wasm = quickjsModule(code, description.handlers);
    sourceMap = map;
  } else if (binding === "process") {
    const code = await progress.step("bundle", "bundling with esbuild", () => bundle(processEntry(entryPath), dir, "process"));
    wasm = new TextEncoder().encode(code);
  } else if (binding === "component") {
    // The component runs the bundle as plugin.js too (componentize.ts): the same map serves it.
    const { code, map } = await progress.step("bundle", "bundling with esbuild", () => bundleMapped(componentEntry(entryPath), dir, "component", true));
    wasm = await progress.step("componentize", "componentizing with componentize-js", () => componentizeBundle(code));
    sourceMap = map;
  } else {
    const code = await progress.step("bundle", "bundling with esbuild", () => bundle(extismEntry(entryPath, description.handlers), dir, "extism"));
    wasm = await progress.step("extism-js", "compiling with extism-js", () => compileWithExtismJs(code, description.handlers));
  }
  await progress.step("write", `writing ${relative(dir, outFile)}`, async () => {
    await mkdir(dirname(outFile), { recursive: true });
    // A process plugin's bundle is its own launcher (shebang): the host or a shell runs it.
    await writeFile(outFile, wasm, binding === "process" ? { mode: 0o755 } : {});
    if (binding === "process") await chmod(outFile, 0o755);
    // Beside the module, not in it: the module stays the size of the script (gk dev maps stacks with it).
    if (sourceMap !== null) await writeFile(`${outFile}.map`, sourceMap);
    else await rm(`${outFile}.map`, { force: true });
  });
  return { outFile, binding: goatflow ? "goatflow" : binding, bytes: wasm.byteLength, handlers: description.handlers, durationMs: progress.elapsedMs };
}

function findEntry(dir: string, entry: string | undefined): string {
  if (entry !== undefined) {
    const path = isAbsolute(entry) ? entry : join(dir, entry);
    if (!existsSync(path)) throw new BuildError("E_ENTRY_NOT_FOUND", `the entry ${path} does not exist; check the entry option`);
    return path;
  }
  const found = ENTRY_CANDIDATES.map((candidate) => join(dir, candidate)).find((path) => existsSync(path));
  if (found === undefined) {
    throw new BuildError("E_ENTRY_NOT_FOUND", `no plugin entry in ${dir}: expected one of ${ENTRY_CANDIDATES.join(", ")}; create src/index.ts or pass the entry option`);
  }
  return found;
}
