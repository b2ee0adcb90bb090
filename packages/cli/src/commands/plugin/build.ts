import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { defineCommand } from "citty";
import { BuildError, buildPlugin as buildTypeScript, GUEST_BINDINGS, loadManifest, type GuestBinding, type ResolvedManifest } from "@goatkit/sdk";
import { inspectModule } from "@goatkit/host";
import { GkError } from "../../errors.js";

/** Core modules should stay small (the GoatFlow tutorial asks for under 1 MB). */
const CORE_BUDGET_BYTES = 1024 * 1024;
/** A QuickJS plugin is its script alone; 256 KiB is Shopify Functions' limit for the same design. */
const QUICKJS_BUDGET_BYTES = 256 * 1024;

export const buildCommand = defineCommand({
  meta: { name: "build", description: "Build the plugin's .wasm from the manifest's build section (or asc for AssemblyScript), and report its size" },
  args: {
    dir: { type: "positional", description: "Plugin folder", required: false, default: "." },
    binding: { type: "string", description: `TypeScript only: ${GUEST_BINDINGS.join(", ")} (default quickjs: a small module for the host's shared engine)` },
  },
  async run({ args }) {
    const dir = resolve(args.dir);
    const { manifest } = await loadManifest(dir);
    await buildPlugin(dir, manifest, console.log, bindingOption(args.binding));
  },
});

function bindingOption(value: string | undefined): GuestBinding | undefined {
  if (value === undefined) return undefined;
  if (!(GUEST_BINDINGS as readonly string[]).includes(value)) throw new GkError(`unknown --binding "${value}"; use one of ${GUEST_BINDINGS.join(", ")}`);
  return value as GuestBinding;
}

/** Runs the build and reports where the module is and how big; shared with `gk dev`. */
export async function buildPlugin(dir: string, manifest: ResolvedManifest, log: (line: string) => void = console.log, binding?: GuestBinding): Promise<string> {
  const started = Date.now();
  const plan = buildPlanFor(dir, manifest);
  if (binding !== undefined && plan.kind === "command") {
    throw new GkError(`--binding applies to TypeScript plugins that gk builds itself; ${manifest.name} is built by its manifest's build command (or asc): pass the binding there`);
  }
  if (plan.kind === "command") {
    log(`building ${manifest.name}: ${plan.argv.join(" ")}`);
    const [command, ...commandArgs] = plan.argv;
    await runCommand(command!, commandArgs, dir);
  } else {
    // TypeScript: bundled, then packed for the shared engine (about a second) or componentized
    // (10-20 s); progress keeps the author informed.
    const target = binding ?? "quickjs";
    log(`building ${manifest.name}: TypeScript for the ${target} binding`);
    try {
      await buildTypeScript({ dir, binding: target, onProgress: (event) => event.status !== "running" && log(`  [${(event.elapsedMs / 1000).toFixed(1)} s] ${event.message}`) });
    } catch (error) {
      if (error instanceof BuildError) throw new GkError(error.message);
      throw error;
    }
  }
  const output = join(dir, manifest.wasm ?? "plugin.wasm");
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

type BuildPlan = { kind: "command"; argv: string[] } | { kind: "typescript" };

function buildPlanFor(dir: string, manifest: ResolvedManifest): BuildPlan {
  if (manifest.build) return { kind: "command", argv: [manifest.build.command, ...(manifest.build.args ?? [])] };
  if (existsSync(join(dir, "assembly/index.ts"))) {
    return { kind: "command", argv: ["npx", "asc", "assembly/index.ts", "--outFile", manifest.wasm ?? "plugin.wasm", "--optimize", "--shrinkLevel", "2"] };
  }
  if (["src/index.ts", "src/index.js", "index.ts", "index.js"].some((f) => existsSync(join(dir, f)))) return { kind: "typescript" };
  throw new GkError(`${manifest.name}: nothing says how to build it; add a build section to the manifest (command, args, output), see docs/manifest.md`);
}

function runCommand(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, stdio: "inherit" });
    child.on("error", (error) => reject(new GkError(`cannot run ${command}: ${error.message}; is it installed (npm install) and on PATH?`)));
    child.on("exit", (code) => (code === 0 ? resolvePromise() : reject(new GkError(`the build failed: ${[command, ...args].join(" ")} exited with ${code}; see its output above`))));
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
    if (args.build) await buildPlugin(dir, manifest);
    const pkg = await readFile(join(dir, "package.json"), "utf8").then((t) => JSON.parse(t) as { scripts?: Record<string, string> }, () => null);
    const [command, ...rest] = pkg?.scripts?.test ? ["npm", "test", "--silent"] : ["npx", "vitest", "run"];
    await runCommand(command!, rest, dir).catch(() => {
      throw new GkError(`${manifest.name}: tests failed; see the output above`);
    });
  },
});
