import { existsSync } from "node:fs";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { defineCommand } from "citty";
import { PLUGIN_NAME_PATTERN } from "@goatkit/sdk";
import { EXIT, GkError } from "../../errors.js";
import { assemblyScriptTemplate } from "../../templates/assemblyscript.js";
import { grpcTemplate } from "../../templates/grpc.js";
import { typeScriptTemplate } from "../../templates/typescript.js";

const LANGS = ["as", "ts"] as const;
type Lang = (typeof LANGS)[number];
const RUNTIMES = ["wasm", "grpc"] as const;
type Runtime = (typeof RUNTIMES)[number];

export const initCommand = defineCommand({
  meta: { name: "init", description: "Create a new plugin project that builds and passes its own test" },
  args: {
    name: { type: "positional", description: "Plugin name (lower-case, digits and dashes)", required: false },
    lang: { type: "string", description: "as (AssemblyScript) or ts (TypeScript)" },
    runtime: { type: "string", description: "wasm (default) or grpc (a TypeScript process plugin)", default: "wasm" },
    dir: { type: "string", description: "Folder to create (default: ./<name>)" },
  },
  async run({ args }) {
    const interactive = process.stdin.isTTY && process.stdout.isTTY;
    const name = args.name ?? (interactive ? await ask("Plugin name: ") : undefined);
    if (!name) throw new GkError("name the plugin: gk plugin init <name> [--lang as|ts]", EXIT.USAGE);
    if (!new RegExp(PLUGIN_NAME_PATTERN).test(name)) {
      throw new GkError(`"${name}" is not a valid plugin name: use 2-63 lower-case letters, digits and dashes, starting with a letter (e.g. ticket-counter)`, EXIT.USAGE);
    }
    const runtime = args.runtime as Runtime;
    if (!RUNTIMES.includes(runtime)) throw new GkError(`--runtime must be "wasm" or "grpc", not "${args.runtime}"`, EXIT.USAGE);
    if (runtime === "grpc" && args.lang === "as") throw new GkError("a gRPC plugin is a process, which AssemblyScript does not build; use --lang ts with --runtime grpc (or any language with the .proto, see docs/grpc.md)", EXIT.USAGE);
    const lang = (runtime === "grpc" ? "ts" : (args.lang ?? (interactive ? (await ask("Language, as or ts [as]: ")) || "as" : "as"))) as Lang;
    if (!LANGS.includes(lang)) throw new GkError(`--lang must be "as" (AssemblyScript) or "ts" (TypeScript), not "${lang}"`, EXIT.USAGE);
    const dir = resolve(args.dir ?? name);
    if (existsSync(dir) && (await readdir(dir)).length > 0) throw new GkError(`${dir} already exists and is not empty; choose another name or --dir`);
    const files = templateFor(lang, runtime, name);
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    console.log(`Created ${name} (${lang === "as" ? "AssemblyScript" : "TypeScript"}${runtime === "grpc" ? ", gRPC" : ""}) in ${dir}\n\nNext:\n  cd ${args.dir ?? name}\n  npm install\n  npm run build\n  npm test`);
  },
});

function templateFor(lang: Lang, runtime: Runtime, name: string): Record<string, string> {
  const require = createRequire(import.meta.url);
  const own = (require("../package.json") as { version: string }).version;
  if (runtime === "grpc") return grpcTemplate(name, { sdk: `^${own}`, host: `^${own}`, cli: `^${own}` });
  if (lang === "ts") return typeScriptTemplate(name, { sdk: `^${own}`, host: `^${own}`, cli: `^${own}` });
  return assemblyScriptTemplate(name, { sdk: `^${own}`, host: `^${own}`, assemblyscript: "~0.28.9" });
}

async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}
