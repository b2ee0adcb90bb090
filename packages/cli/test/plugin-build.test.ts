import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kitchenSink, repo, run } from "./support.js";

// `gk plugin build` of a TypeScript plugin: the QuickJS binding by default, others by --binding.
describe("gk plugin build (TypeScript)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gk-build-ts-"));
    await mkdir(join(dir, "node_modules", "@goatkit"), { recursive: true });
    await symlink(join(repo, "packages/sdk"), join(dir, "node_modules", "@goatkit", "sdk"), "dir");
    await mkdir(join(dir, "src"));
    await writeFile(join(dir, "manifest.json"), JSON.stringify({ name: "hello", version: "1.0.0", wasm: "build/plugin.wasm", routes: [{ method: "GET", path: "/api/plugins/hello/hi", handler: "hi" }] }));
    await writeFile(
      join(dir, "src/index.ts"),
      `import { definePlugin, Registration } from "@goatkit/sdk/guest";\nexport default definePlugin({ register: new Registration("hello", "1.0.0"), handlers: { hi: () => "hi" } });\n`,
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("builds for the shared engine by default, and the plugin answers", async () => {
    const build = await run(["plugin", "build", dir]);
    expect(build.code).toBe(0);
    expect(build.stdout).toContain("building hello: TypeScript for the quickjs binding");
    expect(build.stdout).toMatch(/build\/plugin\.wasm: quickjs module, [\d.]+ KiB, built in [\d.]+ s/);
    const call = await run(["plugin", "call", dir, "hi"]);
    expect(call).toMatchObject({ code: 0, stdout: "hi" });
    const inspect = await run(["plugin", "inspect", join(dir, "build/plugin.wasm")]);
    expect(inspect.stdout).toMatch(/^binding {3}quickjs\nsize {6}\d+ bytes \([\d.]+ KiB\)\nscript {4}[\d.]+ KiB of JavaScript for the host's shared quickjs-ng engine\nhandlers {2}1\n {2}hi\n/);
    expect(inspect.stdout).toContain("custom sections 2\n  goatkit:quickjs (");
  });

  it("refuses an unknown --binding, naming the ones there are", async () => {
    const build = await run(["plugin", "build", dir, "--binding", "wasi"]);
    expect(build.code).toBe(1);
    expect(build.stderr).toContain('unknown --binding "wasi"; use one of quickjs, component, extism, process');
  });

  it("shows that a build taking more than a second is still running", async () => {
    const slow = await mkdtemp(join(tmpdir(), "gk-build-slow-"));
    try {
      const wasm = join(kitchenSink, "build/plugin.wasm");
      await writeFile(join(slow, "manifest.json"), JSON.stringify({ name: "slow", version: "1.0.0", build: { command: "sh", args: ["-c", `sleep 2 && cp ${wasm} plugin.wasm`], output: "plugin.wasm" } }));
      const build = await run(["plugin", "build", slow]);
      expect(build.code).toBe(0);
      expect(build.stdout).toMatch(/^ {2}still building after 1 s$/m);
    } finally {
      await rm(slow, { recursive: true, force: true });
    }
  });

  it("says --binding is for TypeScript plugins gk builds itself", async () => {
    const build = await run(["plugin", "build", kitchenSink, "--binding", "component"]);
    expect(build.code).toBe(1);
    expect(build.stderr).toContain("--binding applies to TypeScript plugins that gk builds itself; kitchen-sink is built by its manifest's build command (or asc): pass the binding there");
  });
});

// esbuild strips types without checking them: the build type-checks first, with the project's TypeScript.
describe("gk plugin build type-checks TypeScript", () => {
  let dir: string;
  const source = (handler: string) =>
    `import { definePlugin, Registration, type Request } from "@goatkit/sdk/guest";\n\nexport default definePlugin({\n  register: new Registration("typed", "1.0.0"),\n  handlers: {\n    hi: (req: Request) => {\n${handler}\n    },\n  },\n});\n`;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gk-build-types-"));
    await mkdir(join(dir, "node_modules", "@goatkit"), { recursive: true });
    await symlink(join(repo, "packages/sdk"), join(dir, "node_modules", "@goatkit", "sdk"), "dir");
    await symlink(join(repo, "node_modules/typescript"), join(dir, "node_modules", "typescript"), "dir");
    await mkdir(join(dir, "src"));
    await writeFile(join(dir, "manifest.json"), JSON.stringify({ name: "typed", version: "1.0.0", wasm: "build/plugin.wasm", routes: [{ method: "GET", path: "/api/plugins/typed/hi", handler: "hi" }] }));
    await writeFile(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { target: "ES2022", lib: ["ES2022", "DOM"], module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: true } }));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("fails on a type error, naming the file and line, and writes no module", async () => {
    await writeFile(join(dir, "src/index.ts"), source(`      const n: number = req.query("x");\n      return String(n);`));
    const build = await run(["plugin", "build", dir], dir);
    expect(build.code).toBe(1);
    expect(build.stderr).toContain("the plugin does not type-check (1 error):");
    expect(build.stderr).toMatch(/^ {2}src\/index\.ts:7:13: error TS2322: Type 'string' is not assignable to type 'number'\.$/m);
    expect(existsSync(join(dir, "build/plugin.wasm"))).toBe(false);
  });

  // What the check costs is measured in benchmarks, not asserted here: a shared machine's load
  // would make a time limit fail at random.
  it("builds well-typed code and says it type-checked it", async () => {
    await writeFile(join(dir, "src/index.ts"), source(`      const n: string = req.query("x");\n      return n;`));
    const build = await run(["plugin", "build", dir], dir);
    expect(build.code).toBe(0);
    expect(build.stdout).toMatch(/type-checking src\/index\.ts: done in \d+ ms/);
  });
});

// `--target goatflow` of the scaffold's TypeScript plugin: one module with the JavaScript engine
// inside, answering through the host as a GoatFlow-ABI plugin.
describe("gk plugin build --target goatflow (the scaffold's TypeScript plugin)", () => {
  let work: string;
  let dir: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "gk-build-goatflow-"));
    const init = await run(["plugin", "init", "counts-goat", "--lang", "ts", "--deps", "registry"], work);
    expect(init.code, init.stderr).toBe(0);
    dir = join(work, "counts-goat");
    await mkdir(join(dir, "node_modules", "@goatkit"), { recursive: true });
    // What npm install would put there: this repository's packages and tools.
    for (const pkg of ["sdk", "host", "cli"]) await symlink(join(repo, "packages", pkg), join(dir, "node_modules", "@goatkit", pkg), "dir");
    for (const tool of ["typescript", "vitest"]) await symlink(join(repo, "node_modules", tool), join(dir, "node_modules", tool), "dir");
  }, 60_000);
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("builds a goatflow module that imports only gk and WASI, and its handlers answer through the host", async () => {
    const build = await run(["plugin", "build", dir, "--target", "goatflow"]);
    expect(build.code, build.stderr).toBe(0);
    expect(build.stdout).toContain("building counts-goat: TypeScript for GoatFlow (the JavaScript engine inside the module)");
    expect(build.stdout).toMatch(/build\/goatflow\/counts-goat\.wasm: goatflow module, [\d.]+ KiB/);
    const module = join(dir, "build/goatflow/counts-goat.wasm");
    const inspect = await run(["plugin", "inspect", module]);
    expect(inspect.stdout).toMatch(/^binding {3}goatflow$/m);
    expect(inspect.stdout).toMatch(/memory {4}defined, initial \d+ pages \([\d.]+ MiB\), maximum 256 pages \(16\.00 MiB\)/);
    const imports = inspect.stdout.slice(inspect.stdout.indexOf("imports")).match(/^ {2}function {2}\S+$/gm) ?? [];
    const modules = new Set(imports.map((line) => line.trim().split(/\s+/)[1]!.split(".")[0]));
    expect([...modules].sort()).toEqual(["gk", "wasi_snapshot_preview1"]);

    // The module alone, as GoatFlow has it: described from its gk_register.
    const counts = await run(["plugin", "call", module, "get_counts"]);
    expect(counts.code, counts.stderr).toBe(0);
    const rows = JSON.parse(counts.stdout) as { state: string; count: number }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows[0]).toEqual({ state: expect.any(String), count: expect.any(Number) });

    // GoatFlow's own runtime (the SDK's test runtime) loads it too: every route answers JSON, the widget html.
    const check = await run(["plugin", "check", dir, "--target", "goatflow", "--json"]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const report = JSON.parse(check.stdout) as { ok: boolean; calls: Array<{ kind: string; answer: string | null }> };
    expect(report.ok).toBe(true);
    expect(report.calls.filter((c) => c.kind === "route").length).toBeGreaterThan(0);
    for (const call of report.calls.filter((c) => c.kind === "route")) expect(() => JSON.parse(call.answer ?? "null")).not.toThrow();
    const widget = report.calls.find((c) => c.kind === "widget");
    expect(typeof JSON.parse(widget!.answer!).html).toBe("string");
  }, 180_000);

  it("refuses an unknown --target, naming the ones there are", async () => {
    const build = await run(["plugin", "build", dir, "--target", "wazero"]);
    expect(build.code).toBe(1);
    expect(build.stderr).toContain('unknown --target "wazero"; use goatkit (the default) or goatflow');
  });
});
