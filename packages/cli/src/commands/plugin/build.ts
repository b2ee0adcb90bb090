import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { delimiter, dirname, join, relative, resolve } from "node:path";
import { defineCommand } from "citty";
import { BuildError, buildGoatflow, buildPlugin as buildTypeScript, GUEST_BINDINGS, loadManifest, type BuildTarget, type GuestBinding, type ResolvedManifest } from "@goatkit/sdk";
import { inspectModule } from "@goatkit/host";
import { GkError } from "../../errors.js";
import { lastBinding, staleSource } from "./fresh-build.js";

/** Core modules should stay small (the GoatFlow tutorial asks for under 1 MB). */
const CORE_BUDGET_BYTES = 1024 * 1024;
/** A QuickJS plugin is its script alone; 256 KiB is Shopify Functions' limit for the same design. */
const QUICKJS_BUDGET_BYTES = 256 * 1024;

export const buildCommand = defineCommand({
  meta: { name: "build", description: "Build the plugin's .wasm from the manifest's build section (or asc for AssemblyScript), and report its size" },
  args: {
    dir: { type: "positional", description: "Plugin folder", required: false, default: "." },
    binding: { type: "string", description: `TypeScript only: ${GUEST_BINDINGS.join(", ")} (default quickjs: a small module for the host's shared engine)` },
    target: { type: "string", description: "goatkit (default: the manifest's module) or goatflow: a module for GoatFlow's ABI (TypeScript: the JavaScript engine inside), written to build/goatflow/<name>.wasm" },
  },
  async run({ args }) {
    const dir = resolve(args.dir);
    const { manifest } = await loadManifest(dir);
    const target = targetOption(args.target);
    if (target === "goatflow") {
      if (args.binding !== undefined) throw new GkError("--binding does not apply to --target goatflow: GoatFlow loads one kind of module (its gk_call ABI)");
      await buildForGoatflow(dir, manifest);
      return;
    }
    await buildPlugin(dir, manifest, console.log, bindingOption(args.binding), target);
  },
});

/**
 * `--target goatflow`: the plugin behind GoatFlow's ABI, written to build/goatflow/<name>.wasm (GoatFlow
 * names a plugin after its file); for AssemblyScript with what GoatFlow does differently as warnings.
 */
export async function buildForGoatflow(dir: string, manifest: ResolvedManifest, log: (line: string) => void = console.log): Promise<string> {
  // TypeScript: the JavaScript engine and the script in one module (the SDK's buildPlugin).
  if (buildPlanFor(dir, manifest).kind === "typescript") return buildPlugin(dir, manifest, log, undefined, "goatflow");
  const started = Date.now();
  assertDependenciesInstalled(dir);
  log(`building ${manifest.name}: AssemblyScript for GoatFlow's ABI (gk_call)`);
  let result;
  try {
    result = await buildGoatflow({ dir });
  } catch (error) {
    if (error instanceof BuildError) throw new GkError(error.message);
    throw error;
  }
  for (const w of result.warnings) log(`warning: ${w.at}: ${w.feature}: ${w.message}`);
  const shownFile = relative(process.cwd(), result.outFile) || result.outFile;
  const info = inspectModule(new Uint8Array(await readFile(result.outFile)));
  log(`${shownFile}: ${info.binding} module, ${(result.bytes / 1024).toFixed(1)} KiB, imports ${result.imports.join(", ")}, built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result.outFile;
}

const goatflowOutFile = (manifest: ResolvedManifest) => join("build", "goatflow", `${manifest.name}.wasm`);

function bindingOption(value: string | undefined): GuestBinding | undefined {
  if (value === undefined) return undefined;
  if (!(GUEST_BINDINGS as readonly string[]).includes(value)) throw new GkError(`unknown --binding "${value}"; use one of ${GUEST_BINDINGS.join(", ")}`);
  return value as GuestBinding;
}

function targetOption(value: string | undefined): BuildTarget | undefined {
  if (value === undefined || value === "goatkit" || value === "goatflow") return value;
  throw new GkError(`unknown --target "${value}"; use goatkit (the default) or goatflow`);
}

/** Runs the build and reports where the module is and how big; shared with `gk dev`. */
export async function buildPlugin(dir: string, manifest: ResolvedManifest, log: (line: string) => void = console.log, binding?: GuestBinding, target?: BuildTarget): Promise<string> {
  const started = Date.now();
  assertDependenciesInstalled(dir);
  const plan = buildPlanFor(dir, manifest);
  if (binding !== undefined && plan.kind === "command") {
    throw new GkError(`--binding applies to TypeScript plugins that gk builds itself; ${manifest.name} is built by its manifest's build command (or asc): pass the binding there`);
  }
  const progress = startProgress(log);
  try {
    if (plan.kind === "command") {
      log(`building ${manifest.name}: ${plan.argv.join(" ")}`);
      const [command, ...commandArgs] = plan.argv;
      await runBuildCommand(command!, commandArgs, dir, progress);
    } else {
      // TypeScript: bundled, then packed for the shared engine (about a second) or componentized
      // (10-20 s); each finished step is shown.
      // buildPlugin's own default: quickjs, or process for a gRPC plugin.
      log(`building ${manifest.name}: TypeScript for ${target === "goatflow" ? "GoatFlow (the JavaScript engine inside the module)" : `the ${binding ?? (manifest.runtime === "grpc" ? "process" : "quickjs")} binding`}`);
      try {
        await buildTypeScript({
          dir,
          ...(binding === undefined ? {} : { binding }),
          // GoatFlow's ABI: packages/sdk/src/build/goatflow-typescript.ts.
          ...(target === "goatflow" ? { target, outFile: goatflowOutFile(manifest) } : {}),
          onProgress: (event) => {
            if (event.status === "start") progress.label(event.message);
            else if (event.status === "done") progress.line(`  [${(event.elapsedMs / 1000).toFixed(1)} s] ${event.message}`);
          },
        });
      } catch (error) {
        if (error instanceof BuildError) throw new GkError(error.message);
        throw error;
      }
    }
  } finally {
    progress.stop();
  }
  if (manifest.runtime === "grpc") return reportExecutable(dir, manifest, started, log);
  const output = join(dir, target === "goatflow" ? goatflowOutFile(manifest) : (manifest.wasm ?? "plugin.wasm"));
  const size = await stat(output).then(
    (s) => s.size,
    () => {
      throw new GkError(`the build finished but ${relative(process.cwd(), output) || output} does not exist; point manifest.wasm or build.output at the file the build writes`);
    },
  );
  const info = inspectModule(new Uint8Array(await readFile(output)));
  log(`${relative(process.cwd(), output) || output}: ${info.binding} module, ${(size / 1024).toFixed(1)} KiB, built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (info.binding === "core" && size > CORE_BUDGET_BYTES) {
    log(`warning: ${(size / 1048576).toFixed(2)} MiB is over the 1 MiB budget for core modules; large plugins load slowly (optimize for size: asc --shrinkLevel 2, tinygo -no-debug)`);
  }
  if (info.binding === "quickjs" && size > QUICKJS_BUDGET_BYTES) {
    log(`warning: ${(size / 1024).toFixed(1)} KiB is over the 256 KiB budget for TypeScript plugins; every instance parses the whole script when it loads (import less: a smaller library, or only the functions you use)`);
  }
  return output;
}

/** A gRPC plugin's build output is its executable (grpc.binary): it must exist and be runnable. */
async function reportExecutable(dir: string, manifest: ResolvedManifest, started: number, log: (line: string) => void): Promise<string> {
  const output = join(dir, manifest.grpc!.binary);
  const info = await stat(output).catch(() => {
    throw new GkError(`the build finished but ${relative(process.cwd(), output) || output} does not exist; point grpc.binary at the executable the build writes`);
  });
  if ((info.mode & 0o111) === 0 && !/\.(mjs|cjs|js)$/.test(output)) {
    throw new GkError(`${relative(process.cwd(), output) || output} is not executable; make it so (chmod +x) or have the build do it`);
  }
  log(`${relative(process.cwd(), output) || output}: gRPC process plugin, ${(info.size / 1024).toFixed(1)} KiB, built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return output;
}

/**
 * A project whose package.json lists packages that do not resolve from its folder has not been
 * installed: say so before a compiler fails on it with a less direct message.
 */
function assertDependenciesInstalled(dir: string): void {
  const file = join(dir, "package.json");
  if (!existsSync(file)) return;
  const pkg = JSON.parse(readFileSync(file, "utf8")) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  // Looked up as npm installs them (node_modules here or above), not through NODE_PATH.
  const installed = (name: string) => {
    for (let at = dir; ; at = dirname(at)) {
      if (existsSync(join(at, "node_modules", name, "package.json"))) return true;
      if (dirname(at) === at) return false;
    }
  };
  const missing = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((name) => !installed(name));
  if (missing.length > 0) {
    const where = shown(dir);
    throw new GkError(`${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not installed in ${where || "this folder"}. Fix: run npm install${where ? ` in ${where}` : ""}`);
  }
}

type BuildPlan = { kind: "command"; argv: string[] } | { kind: "typescript" };

function buildPlanFor(dir: string, manifest: ResolvedManifest): BuildPlan {
  if (manifest.build) return { kind: "command", argv: [manifest.build.command, ...(manifest.build.args ?? [])] };
  if (existsSync(join(dir, "assembly/index.ts"))) {
    // --no-install: a missing asc must not make npx fetch whatever package is named "asc".
    // --sourceMap: the map beside the module lets gk dev name the author's line of an abort.
    return { kind: "command", argv: ["npx", "--no-install", "asc", "assembly/index.ts", "--outFile", manifest.wasm ?? "plugin.wasm", "--optimize", "--shrinkLevel", "2", "--sourceMap"] };
  }
  if (["src/index.ts", "src/index.js", "index.ts", "index.js"].some((f) => existsSync(join(dir, f)))) return { kind: "typescript" };
  throw new GkError(`${manifest.name}: nothing says how to build it; add a build section to the manifest (command, args, output), see docs/manifest.md`);
}

/** Shows that a build is still running once it has taken a second: one updated line on a terminal, a line every 5 s otherwise. */
interface Progress {
  label(text: string): void;
  line(text: string): void;
  clear(): void;
  stop(): void;
}

function startProgress(log: (line: string) => void): Progress {
  const started = Date.now();
  const tty = process.stdout.isTTY === true && log === console.log;
  let label = "";
  let shown = false;
  let lastLineAt = 0;
  const clear = () => {
    if (tty && shown) process.stdout.write("\r\x1b[2K");
    shown = false;
  };
  const timer = setInterval(() => {
    const seconds = Math.floor((Date.now() - started) / 1000);
    if (seconds < 1) return;
    const text = `  still building after ${seconds} s${label ? `: ${label}` : ""}`;
    if (tty) {
      process.stdout.write(`\r\x1b[2K${text}`);
      shown = true;
    } else if (lastLineAt === 0 || seconds - lastLineAt >= 5) {
      lastLineAt = seconds;
      log(text);
    }
  }, 250);
  return {
    label: (text) => void (label = text),
    clear,
    line: (text) => {
      clear();
      log(text);
    },
    stop: () => {
      clearInterval(timer);
      clear();
    },
  };
}

/** A folder as the author would type it: relative below the working directory, else absolute; "" for the working directory. */
function shown(dir: string): string {
  const rel = relative(process.cwd(), dir);
  return rel.startsWith("..") ? dir : rel;
}

function notInstalled(tool: string, dir: string): string {
  const where = shown(dir);
  return `the build could not run ${tool}: it is not installed. Fix: run npm install${where ? ` in ${where}` : ""} (the project's devDependencies bring its toolchain), or install ${tool} and put it on PATH`;
}

/** What a failed build's output says about its cause, as a fix. */
function diagnose(command: string, exitCode: number | null, output: string, dir: string): string | null {
  const notFound = /(?:^|\n)(?:sh: \d+: |\S+: line \d+: )?(\S+?):? (?:command )?not found/.exec(output)?.[1];
  if (exitCode === 127 || notFound) {
    return notInstalled(notFound ?? command, dir);
  }
  // asc: ERROR TS6054: File '~lib/some-package.ts' not found. (an import it cannot resolve)
  const unresolved = /TS6054: File '([^']+)' not found/.exec(output)?.[1];
  if (unresolved && !unresolved.startsWith("~lib/")) {
    return `the build failed: an import names ${unresolved}, which does not exist. Fix: correct the import path (see the asc output above for the line)`;
  }
  if (unresolved) {
    const name = unresolved.replace(/^~lib\//, "").replace(/(\/index)?\.ts$/, "");
    return `the build failed: an import cannot be resolved (${unresolved}). Fix: correct the import path, or install the package that provides "${name}" (npm install ${name}) if it is an AssemblyScript library`;
  }
  return null;
}

function runBuildCommand(command: string, args: string[], cwd: string, progress: Progress): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    // As in npm scripts, the project's own tools (asc from node_modules/.bin) come first on PATH.
    const path = [join(cwd, "node_modules", ".bin"), process.env.PATH ?? ""].join(delimiter);
    const child = spawn(command, args, { cwd, stdio: ["inherit", "pipe", "pipe"], env: { ...process.env, PATH: path } });
    let tail = "";
    // The output is passed through as it comes, and its end kept to name the cause of a failure.
    const forward = (to: NodeJS.WriteStream) => (chunk: Buffer) => {
      progress.clear();
      to.write(chunk);
      tail = (tail + chunk.toString()).slice(-64 * 1024);
    };
    child.stdout!.on("data", forward(process.stdout));
    child.stderr!.on("data", forward(process.stderr));
    child.on("error", (error: NodeJS.ErrnoException) =>
      reject(new GkError(error.code === "ENOENT" ? notInstalled(command, cwd) : `cannot run ${command}: ${error.message}. Fix: check manifest.build.command`)),
    );
    child.on("exit", (code) => {
      if (code === 0) return resolvePromise();
      const hint = diagnose(command, code, tail, cwd);
      reject(new GkError(hint ?? `the build failed: ${[command, ...args].join(" ")} exited with ${code}; see its output above`));
    });
  });
}

function runCommand(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, stdio: "inherit" });
    child.on("error", (error) => reject(new GkError(`cannot run ${command}: ${error.message}; is it installed (npm install) and on PATH?`)));
    child.on("exit", (code) => (code === 0 ? resolvePromise() : reject(new GkError(`${[command, ...args].join(" ")} exited with ${code}; see its output above`))));
  });
}

export const testCommand = defineCommand({
  meta: { name: "test", description: "Build the plugin, then run its tests (its package.json test script, or vitest)" },
  args: {
    dir: { type: "positional", description: "Plugin folder", required: false, default: "." },
    build: { type: "boolean", description: "Build first (--no-build to skip)", default: true },
  },
  async run({ args }) {
    const dir = resolve(args.dir);
    const { manifest } = await loadManifest(dir);
    // The binding of the last build is kept: `npm test` after `--binding component` tests a component.
    if (args.build) await buildPlugin(dir, manifest, console.log, lastBinding(dir, manifest));
    else {
      const changed = await staleSource(dir, manifest);
      if (changed !== null) throw new GkError(`${changed} changed since the last build, so the tests would run on the old module. Fix: leave out --no-build, or run gk plugin build first`);
    }
    const pkg = await readFile(join(dir, "package.json"), "utf8").then((t) => JSON.parse(t) as { scripts?: Record<string, string> }, () => null);
    // The scaffold's `npm test` is `gk plugin test` itself (so it never runs on a stale build):
    // then the tests are vitest's, not the script's again.
    const script = pkg?.scripts?.test;
    const [command, ...rest] = script && !/\bgk plugin test\b/.test(script) ? ["npm", "test", "--silent"] : ["npx", "--no-install", "vitest", "run"];
    await runCommand(command!, rest, dir).catch(() => {
      throw new GkError(`${manifest.name}: tests failed; see the output above`);
    });
  },
});
