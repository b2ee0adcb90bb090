import { existsSync } from "node:fs";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { defineCommand } from "citty";
import { PLUGIN_NAME_PATTERN } from "@goatkit/sdk";
import { EXIT, GkError } from "../../errors.js";
import { OWN_PACKAGES, OWN_VERSION, packOwnPackages, registryHasOwnPackages } from "../../own-packages.js";
import { assemblyScriptTemplate } from "../../templates/assemblyscript.js";
import type { GoatKitDependencies } from "../../templates/shared-files.js";
import { typeScriptTemplate } from "../../templates/typescript.js";

const LANGS = ["as", "ts"] as const;
type Lang = (typeof LANGS)[number];
/** `grpc` is accepted by the parser so process plugins can get their template; none ships yet. */
const RUNTIMES = ["wasm", "grpc"] as const;
type Runtime = (typeof RUNTIMES)[number];
const DEPS = ["registry", "local"] as const;
type DepsSource = (typeof DEPS)[number];

/** Where `--deps local` puts the tarballs, inside the new project. */
const VENDOR = "vendor";

export const initCommand = defineCommand({
  meta: { name: "init", description: "Create a new plugin project that builds and passes its own test" },
  args: {
    name: { type: "positional", description: "Plugin name (lower-case, digits and dashes)", required: false },
    lang: { type: "string", description: "as (AssemblyScript) or ts (TypeScript)" },
    runtime: { type: "string", description: "wasm (a WebAssembly module, the default) or grpc (a process plugin)", default: "wasm" },
    deps: { type: "string", description: "Where the @goatkit packages come from: registry (npm) or local (tarballs of the packages this gk runs with, in vendor/); default: registry when it has them, else local" },
    dir: { type: "string", description: "Folder to create (default: ./<name>)" },
  },
  async run({ args }) {
    const interactive = process.stdin.isTTY && process.stdout.isTTY;
    const name = args.name ?? (interactive ? await ask("Plugin name: ") : undefined);
    if (!name) throw new GkError("name the plugin: gk plugin init <name> [--lang as|ts]", EXIT.USAGE);
    if (!new RegExp(PLUGIN_NAME_PATTERN).test(name)) {
      throw new GkError(`"${name}" is not a valid plugin name: use 2-63 lower-case letters, digits and dashes, starting with a letter (e.g. ticket-counter)`, EXIT.USAGE);
    }
    const lang = (args.lang ?? (interactive ? (await ask("Language, as or ts [as]: ")) || "as" : "as")) as Lang;
    if (!LANGS.includes(lang)) throw new GkError(`--lang must be "as" (AssemblyScript) or "ts" (TypeScript), not "${lang}"`, EXIT.USAGE);
    const runtime = args.runtime as Runtime;
    if (!RUNTIMES.includes(runtime)) throw new GkError(`--runtime must be "wasm" or "grpc", not "${runtime}"`, EXIT.USAGE);
    if (runtime === "grpc") throw new GkError("--runtime grpc: this gk has no template for process plugins yet; use --runtime wasm (the default)", EXIT.USAGE);
    if (args.deps !== undefined && !DEPS.includes(args.deps as DepsSource)) {
      throw new GkError(`--deps must be "registry" (npm) or "local" (tarballs of the packages this gk runs with), not "${args.deps}"`, EXIT.USAGE);
    }
    const dir = resolve(args.dir ?? name);
    if (existsSync(dir) && (await readdir(dir)).length > 0) throw new GkError(`${dir} already exists and is not empty; choose another name or --dir`);

    const source: DepsSource = (args.deps as DepsSource | undefined) ?? ((await registryHasOwnPackages()) ? "registry" : "local");
    try {
      const deps = await dependencies(source, dir);
      const files = lang === "ts" ? typeScriptTemplate(name, deps) : assemblyScriptTemplate(name, deps);
      for (const [path, content] of Object.entries(files)) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), content);
      }
    } catch (error) {
      // No half-written project: a second try starts from an empty folder again.
      await rm(dir, { recursive: true, force: true });
      throw error;
    }

    const cd = args.dir ?? name;
    const lines = [`Created ${name} (${lang === "ts" ? "TypeScript" : "AssemblyScript"}) in ${dir}`];
    lines.push(
      source === "local"
        ? `The @goatkit packages come from ${VENDOR}/: tarballs of the ones this gk runs with${args.deps ? "" : ` (the registry has no @goatkit/sdk@${OWN_VERSION})`}.`
        : `The @goatkit packages come from the registry (^${OWN_VERSION}).`,
    );
    lines.push("", "Next:", `  cd ${/^[\w./-]+$/.test(cd) ? cd : JSON.stringify(cd)}`, "  npm install", "  npm run build", "  npm test", "  npx gk dev");
    console.log(lines.join("\n"));
  },
});

async function dependencies(source: DepsSource, dir: string): Promise<GoatKitDependencies> {
  if (source === "registry") return { source, version: OWN_VERSION, specs: Object.fromEntries(OWN_PACKAGES.map((n) => [n, `^${OWN_VERSION}`])) };
  const tarballs = await packOwnPackages(join(dir, VENDOR));
  // Relative file: specs keep the project installable wherever it is copied or cloned.
  const specs = Object.fromEntries(OWN_PACKAGES.map((n) => [n, `file:${relative(dir, tarballs[n]).split("\\").join("/")}`]));
  return { source, version: OWN_VERSION, specs };
}

async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}
