import { execFile, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);

/** The built `gk`, spawned as a user runs it. */
export const gk = new URL("../dist/cli.js", import.meta.url).pathname;
export const repo = new URL("../../../", import.meta.url).pathname;
export const kitchenSink = new URL("../../../fixtures/as-kitchen-sink", import.meta.url).pathname;

export async function run(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec("node", ["--no-warnings", gk, ...args], { cwd, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// A plugin whose source is WebAssembly text, built by a script with wabt: the fastest real
// build there is, so tests exercise gk's watch, rebuild, reload and errors, not a compiler.
const wabtPath = createRequire(new URL("../../host/package.json", import.meta.url)).resolve("wabt");
// With an output folder, the build deletes and re-creates it, as clean builds do.
const watBuild = (delayMs: number, output: string) => `import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
await new Promise((r) => setTimeout(r, ${delayMs}));
const wabt = await createRequire(import.meta.url)(${JSON.stringify(wabtPath)})();
const module = wabt.parseWat("plugin.wat", readFileSync("plugin.wat", "utf8"));
${output.includes("/") ? `rmSync(${JSON.stringify(output.slice(0, output.lastIndexOf("/")))}, { recursive: true, force: true });
mkdirSync(${JSON.stringify(output.slice(0, output.lastIndexOf("/")))});
` : ""}writeFileSync(${JSON.stringify(output)}, new Uint8Array(module.toBinary({}).buffer));
`;

/** The WAT source of a plugin registering as dev-demo 1.0.0 whose `hello` answers `answer`. */
export function watPlugin(answer: string): string {
  const registration = '{\\"name\\":\\"dev-demo\\",\\"version\\":\\"1.0.0\\"}';
  return `(module
  (memory (export "memory") 1)
  (data (i32.const 16) "${registration}")
  (data (i32.const 64) "${answer}")
  (func (export "gk_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "gk_register") (result i64) (i64.or (i64.shl (i64.const 16) (i64.const 32)) (i64.const 37)))
  (func (export "hello") (param i32 i32) (result i64) (i64.or (i64.shl (i64.const 64) (i64.const 32)) (i64.const ${answer.length}))))`;
}

export const watManifest = {
  name: "dev-demo",
  version: "1.0.0",
  build: { command: "node", args: ["build.mjs"], watch: ["*.wat"], output: "plugin.wasm" },
  routes: [{ method: "GET", path: "/api/plugins/dev-demo/hello", handler: "hello" }],
};

/** Writes the WAT plugin into `dir`; `buildDelayMs` makes its build take at least that long. */
export async function writeWatPlugin(dir: string, options: { answer?: string; manifest?: object; buildDelayMs?: number; output?: string } = {}): Promise<void> {
  const output = options.output ?? "plugin.wasm";
  const manifest = options.manifest ?? (output === "plugin.wasm" ? watManifest : { ...watManifest, wasm: output, build: { ...watManifest.build, output } });
  await writeFile(join(dir, "manifest.json"), JSON.stringify(manifest));
  await writeFile(join(dir, "build.mjs"), watBuild(options.buildDelayMs ?? 0, output));
  await writeFile(join(dir, "plugin.wat"), watPlugin(options.answer ?? "v1"));
}

export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, ms: number): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `gk start` until it prints `until` (or exits); returns what it printed, then stops it. */
export async function startUntil(args: string[], until: RegExp): Promise<{ out: string; url: string | null; stop(): void }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("GOATKIT_")));
  const child = spawn("node", ["--no-warnings", gk, "start", "--port", "0", "--db", ":memory:", ...args], { env: clean });
  let out = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gk start printed no ${until}: ${out}`)), 60_000);
    const seen = (chunk: Buffer) => {
      out += chunk.toString();
      if (until.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", seen);
    child.stderr.on("data", seen);
    child.on("exit", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const url = /listening on (http:\/\/\S+)/.exec(out)?.[1] ?? /"url":"(http:[^"]+)"/.exec(out)?.[1] ?? null;
  return { out, url, stop: () => child.kill("SIGTERM") };
}
