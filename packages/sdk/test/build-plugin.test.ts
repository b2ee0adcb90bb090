/**
 * The build API up to the compilers: finding the entry, bundling, checking the plugin against
 * its manifest, and the Extism binding's need for extism-js. Componentizing takes 10 to 20 s,
 * so it runs once per fixture in the fixtures' build scripts, and the host's contract tests
 * load what it produced.
 */
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BuildError, buildPlugin, extismInterface, findExtismJs, type BuildProgress } from "../src/index.js";

const sdkDir = fileURLToPath(new URL("..", import.meta.url));
const manifest = {
  name: "hello",
  version: "1.0.0",
  routes: [{ method: "GET", path: "/api/plugins/hello/hi", handler: "hi" }],
  build: { command: "node", args: ["build.mjs"], output: "build/plugin.wasm" },
};
const PLUGIN = `import { definePlugin, Registration } from "@goatkit/sdk/guest";
export default definePlugin({ register: new Registration("hello", "1.0.0"), handlers: { hi: () => "hi", extra: () => null } });
`;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "goatkit-build-test-"));
});
afterAll(() => rm(root, { recursive: true, force: true }));

let count = 0;
/** A plugin folder with @goatkit/sdk linked into its node_modules, as an installed plugin has it. */
async function pluginDir(files: Record<string, string>, manifestOverride: object = {}): Promise<string> {
  const dir = join(root, `plugin-${count++}`);
  await mkdir(join(dir, "node_modules", "@goatkit"), { recursive: true });
  await symlink(sdkDir, join(dir, "node_modules", "@goatkit", "sdk"), "dir");
  await writeFile(join(dir, "manifest.json"), JSON.stringify({ ...manifest, ...manifestOverride }));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

async function buildError(promise: Promise<unknown>): Promise<BuildError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BuildError);
  return error as BuildError;
}

describe("buildPlugin before the compiler", () => {
  it("needs an entry module", async () => {
    const dir = await pluginDir({});
    const error = await buildError(buildPlugin({ dir }));
    expect(error.code).toBe("E_ENTRY_NOT_FOUND");
    expect(error.message).toBe(`no plugin entry in ${dir}: expected one of src/index.ts, src/index.js, index.ts, index.js; create src/index.ts or pass the entry option`);
  });

  it("needs the entry to export definePlugin's result", async () => {
    const dir = await pluginDir({ "src/index.ts": "export const handlers = {};\n" });
    const error = await buildError(buildPlugin({ dir }));
    expect(error.code).toBe("E_BUNDLE");
    expect(error.message).toMatch(/No matching export in ".*src\/index\.ts" for import "default" \(the plugin entry must `export default definePlugin\(\{ register, handlers \}\)`\)$/);
  });

  it("needs the default export to come from definePlugin", async () => {
    const dir = await pluginDir({ "src/index.ts": "export default { handlers: { hi: () => 'hi' } };\n" });
    const error = await buildError(buildPlugin({ dir }));
    expect(error.code).toBe("E_PLUGIN_DEFINITION");
    expect(error.message).toBe(`${join(dir, "src/index.ts")} does not export default definePlugin({ register, handlers }); add: export default definePlugin({ ... }) from "@goatkit/sdk/guest"`);
  });

  it("refuses host calls at the top level, where there is no host yet", async () => {
    const dir = await pluginDir({ "src/index.ts": `import { host } from "@goatkit/sdk/guest";\nhost.dbQuery("SELECT 1");\n${PLUGIN.split("\n").slice(1).join("\n")}` });
    const error = await buildError(buildPlugin({ dir }));
    expect(error.code).toBe("E_PLUGIN_DEFINITION");
    expect(error.message).toMatch(/^the plugin failed while loading: GoatKit host functions are not connected: .*; top-level code runs once at build time without host functions: call them from handlers$/);
  });

  it("checks the handlers and the registration against the manifest", async () => {
    const dir = await pluginDir(
      { "src/index.ts": PLUGIN.replace('new Registration("hello", "1.0.0")', 'new Registration("hello", "2.0.0")').replace("extra:", "gk_extra:") },
      { jobs: [{ id: "nightly", schedule: "0 3 * * *", handler: "nightly" }] },
    );
    const error = await buildError(buildPlugin({ dir }));
    expect(error.code).toBe("E_HANDLERS");
    expect(error.message).toBe(
      [
        "the plugin and its manifest disagree:",
        '  handler "gk_extra" starts with "gk_", which is reserved for the ABI; rename the function, e.g. "extra"',
        '  the manifest names handler "nightly" that the plugin does not define; add it to definePlugin({ handlers: { ... } }), or fix the manifest',
        '  register returns version "2.0.0" but the manifest\'s is "1.0.0"; make them equal',
      ].join("\n"),
    );
  });

  it("says when a library needs Node's built-in modules", async () => {
    const dir = await pluginDir({ "src/index.ts": `import { readFileSync } from "node:fs";\nexport const read = readFileSync;\n${PLUGIN}` });
    const error = await buildError(buildPlugin({ dir }));
    expect(error.code).toBe("E_BUNDLE");
    expect(error.message).toContain(`Could not resolve "node:fs" (plugins run without Node's built-in modules: use the host functions, or a library that does not need Node)`);
  });
});

describe("the Extism binding", () => {
  const path = process.env.PATH;
  afterEach(() => {
    process.env.PATH = path;
  });

  it("says precisely what is missing when extism-js is not on PATH, after checking everything else", async () => {
    const dir = await pluginDir({ "src/index.ts": PLUGIN });
    process.env.PATH = join(root, "empty-bin");
    const events: BuildProgress[] = [];
    const error = await buildError(buildPlugin({ dir, binding: "extism", onProgress: (e) => events.push(e) }));
    expect(error.code).toBe("E_EXTISM_JS_MISSING");
    expect(error.message).toBe(
      'the Extism binding needs the extism-js compiler, which is not on PATH: install it from https://github.com/extism/js-pdk/releases (the release\'s install.sh puts extism-js on PATH; it also needs binaryen\'s wasm-merge and wasm-opt), or build for the default QuickJS binding instead (binding: "quickjs")',
    );
    expect(events.filter((e) => e.status !== "running").map((e) => `${e.step}:${e.status}`)).toEqual(["check:start", "check:done", "typecheck:done", "bundle:start", "bundle:done", "extism-js:start"]);
    expect(await findExtismJs()).toBeNull();
  });

  it("declares gk_register, every handler and the GoatKit host functions for extism-js", () => {
    expect(extismInterface(["hi", "extra"])).toBe(
      [
        'declare module "main" {',
        "  export function gk_register(): I32;",
        "  export function hi(): I32;",
        "  export function extra(): I32;",
        "}",
        'declare module "extism:host" {',
        "  interface user {",
        "    db_query(sql: I64, args: I64): I64;",
        "    db_exec(sql: I64, args: I64): I64;",
        "    cache_get(key: I64): I64;",
        "    cache_set(key: I64, value: I64, ttlSeconds: I32): I32;",
        "    cache_delete(key: I64): I32;",
        "    http_request(method: I64, url: I64, headers: I64, body: I64): I64;",
        "    send_email(to: I64, subject: I64, body: I64, attachments: I64): I64;",
        "    schedule_job(cron: I64, handler: I64, payload: I64): I64;",
        "    log(level: I64, message: I64, fields: I64);",
        "    last_error(): I64;",
        "  }",
        "}",
        "",
      ].join("\n"),
    );
  });

  it.skipIf(!process.env.PATH?.split(":").some(Boolean))("finds extism-js on PATH when it is installed", async () => {
    const bin = join(root, "bin");
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, "extism-js"), "#!/bin/sh\n", { mode: 0o755 });
    expect(await findExtismJs(bin)).toBe(join(bin, "extism-js"));
  });
});

describe("the QuickJS binding (the default)", () => {
  it("writes a small WebAssembly module whose custom sections hold the bundled script and its handlers", async () => {
    const dir = await pluginDir({ "src/index.ts": PLUGIN });
    const result = await buildPlugin({ dir });
    expect(result.binding).toBe("quickjs");
    const bytes = await readFile(result.outFile);
    expect(result.bytes).toBe(bytes.byteLength);
    expect(WebAssembly.validate(bytes)).toBe(true);
    const module = new WebAssembly.Module(bytes);
    expect(WebAssembly.Module.imports(module)).toEqual([]);
    expect(WebAssembly.Module.exports(module)).toEqual([]);
    const [meta] = WebAssembly.Module.customSections(module, "goatkit:quickjs");
    expect(JSON.parse(new TextDecoder().decode(meta))).toEqual({ abi: 1, engine: "quickjs-ng", handlers: ["hi", "extra"] });
    const [script] = WebAssembly.Module.customSections(module, "goatkit:quickjs/script");
    const text = new TextDecoder().decode(script);
    // One script, the SDK and the QuickJS binding linked in, the component binding left out.
    expect(text).toContain("__goatkitPlugin");
    expect(text).not.toContain("goatkit:plugin/host");
    expect(result.bytes).toBeLessThan(16 * 1024);
  });

  it("refuses an unknown binding, naming the ones there are", async () => {
    const dir = await pluginDir({ "src/index.ts": PLUGIN });
    const error = await buildError(buildPlugin({ dir, binding: "wasi" as never }));
    expect(error.code).toBe("E_BINDING");
    expect(error.message).toBe('unknown binding "wasi"; use one of quickjs, component, extism, process');
  });
});
