/**
 * Compiles the bundled plugin with the `extism-js` compiler (js-pdk), which is not on npm: it is
 * looked up on PATH, and its absence is a BuildError that says how to install it.
 */
import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { BuildError } from "./build-error.js";

const run = promisify(execFile);

/** The host functions the Extism binding imports from `extism:host/user` (docs/wit.md). */
const HOST_FUNCTIONS = [
  "db_query(sql: I64, args: I64): I64;",
  "db_exec(sql: I64, args: I64): I64;",
  "cache_get(key: I64): I64;",
  "cache_set(key: I64, value: I64, ttlSeconds: I32): I32;",
  "cache_delete(key: I64): I32;",
  "http_request(method: I64, url: I64, headers: I64, body: I64): I64;",
  "send_email(to: I64, subject: I64, body: I64, attachments: I64): I64;",
  "schedule_job(cron: I64, handler: I64, payload: I64): I64;",
  "log(level: I64, message: I64, fields: I64);",
  "last_error(): I64;",
];

export const EXTISM_JS_INSTALL =
  "install it from https://github.com/extism/js-pdk/releases (the release's install.sh puts extism-js on PATH; it also needs binaryen's wasm-merge and wasm-opt), or build for the default QuickJS binding instead (binding: \"quickjs\")";

/** The extism-js interface file: the plugin's exports and the host functions it imports. */
export function extismInterface(handlers: readonly string[]): string {
  return [
    `declare module "main" {`,
    `  export function gk_register(): I32;`,
    ...handlers.map((name) => `  export function ${name}(): I32;`),
    `}`,
    `declare module "extism:host" {`,
    `  interface user {`,
    ...HOST_FUNCTIONS.map((fn) => `    ${fn}`),
    `  }`,
    `}`,
    "",
  ].join("\n");
}

/** The path of `extism-js` on PATH, or null. */
export async function findExtismJs(path = process.env.PATH ?? ""): Promise<string | null> {
  const names = process.platform === "win32" ? ["extism-js.exe", "extism-js.cmd"] : ["extism-js"];
  for (const dir of path.split(delimiter).filter(Boolean)) {
    for (const name of names) {
      const candidate = join(dir, name);
      const executable = await access(candidate, constants.X_OK).then(() => true, () => false);
      if (executable) return candidate;
    }
  }
  return null;
}

/** Compiles CommonJS `code` exporting `handlers` and `gk_register` to an Extism plugin. */
export async function compileWithExtismJs(code: string, handlers: readonly string[], path?: string): Promise<Uint8Array> {
  const compiler = await findExtismJs(path);
  if (compiler === null) throw new BuildError("E_EXTISM_JS_MISSING", `the Extism binding needs the extism-js compiler, which is not on PATH: ${EXTISM_JS_INSTALL}`);
  const work = await mkdtemp(join(tmpdir(), "goatkit-extism-"));
  try {
    const source = join(work, "plugin.js");
    const types = join(work, "plugin.d.ts");
    const output = join(work, "plugin.wasm");
    await writeFile(source, code);
    await writeFile(types, extismInterface(handlers));
    try {
      await run(compiler, [source, "-i", types, "-o", output], { maxBuffer: 16 * 1024 * 1024 });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr?.trim();
      throw new BuildError("E_EXTISM_JS", `extism-js failed: ${stderr || (error instanceof Error ? error.message : String(error))}`, { cause: error });
    }
    return new Uint8Array(await readFile(output));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
