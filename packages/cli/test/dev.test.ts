import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rename, rm, symlink, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assemblyScriptTemplate } from "../src/templates/assemblyscript.js";
import { gk, repo, waitFor, watManifest, watPlugin as plugin, writeWatPlugin } from "./support.js";

// gk dev on the WAT plugin of support.ts: watch, rebuild, reload, and what it prints.

/** A running `gk dev` on `dir`: all it has printed so far, and the URL it serves `plugin` on. */
async function startDev(dir: string, plugin: string, timeoutMs = 60_000) {
  const child = spawn("node", ["--no-warnings", gk, "dev", dir, "--port", "0", "--db", ":memory:"], { cwd: dir });
  const dev = {
    output: "",
    url: "",
    /** True while the process runs. */
    get running() {
      return child.exitCode === null;
    },
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
  child.stdout!.on("data", (d: Buffer) => (dev.output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (dev.output += d.toString()));
  dev.url = await waitFor(() => new RegExp(`gk dev: ${plugin} on (http://\\S+)`).exec(dev.output)?.[1], timeoutMs);
  return dev;
}

describe("gk dev", () => {
  let dir: string;
  let dev: Awaited<ReturnType<typeof startDev>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gk-dev-"));
    await writeWatPlugin(dir);
    dev = await startDev(dir, "dev-demo", 60_000);
  }, 90_000);

  afterAll(async () => {
    await dev?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const hello = async () => (await fetch(`${dev.url}/api/plugins/dev-demo/hello`)).text();

  it("serves the built plugin", async () => {
    expect(await hello()).toBe("v1");
  });

  it("prints each route's URL and a curl command whose token works", async () => {
    expect(dev.output).toContain(`  routes     GET    ${dev.url}/api/plugins/dev-demo/hello\n`);
    const [, token] = /^ {2}try {8}curl -H "Authorization: Bearer (\S+)" (\S+)$/m.exec(dev.output)!;
    const admin = await fetch(`${dev.url}/api/v1/plugins`, { headers: { authorization: `Bearer ${token}` } });
    expect(admin.status).toBe(200);
    expect((await fetch(`${dev.url}/api/v1/plugins`)).status).toBe(401);
    const { plugins } = (await admin.json()) as { plugins: { name: string }[] };
    expect(plugins.map((p) => p.name)).toEqual(["dev-demo"]);
  });

  it("serves no demo agent page without the stats and faq plugins it uses (it would answer 500)", async () => {
    const [, token] = /^ {2}try {8}curl -H "Authorization: Bearer (\S+)" (\S+)$/m.exec(dev.output)!;
    const res = await fetch(`${dev.url}/agent`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(404);
  });

  it("serves the dashboard at the printed URL", async () => {
    const dashboard = /^ {2}dashboard {2}(\S+)#token=\S+$/m.exec(dev.output)![1]!;
    const page = await fetch(dashboard);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<title>GoatKit Host</title>");
  });

  it("serves the edited source without a restart", async () => {
    await writeFile(join(dir, "plugin.wat"), plugin("v2"));
    await waitFor(async () => ((await hello()) === "v2" ? true : undefined), 30_000);
    expect(await hello()).toBe("v2");
  });

  // Editors save by writing a temp file and renaming it over the original (sed -i, vim,
  // JetBrains "safe write"); a watch on the old inode would go silent from then on.
  it("keeps reloading after a rename-style save, then after two in-place edits", async () => {
    const answers = ["v3", "v4", "v5"];
    await writeFile(join(dir, "plugin.wat.tmp"), plugin("v3"));
    await rename(join(dir, "plugin.wat.tmp"), join(dir, "plugin.wat"));
    await waitFor(async () => ((await hello()) === "v3" ? true : undefined), 30_000);
    for (const answer of answers.slice(1)) {
      await new Promise((r) => setTimeout(r, 300));
      await writeFile(join(dir, "plugin.wat"), plugin(answer));
      await waitFor(async () => ((await hello()) === answer ? true : undefined), 30_000);
    }
    expect(dev.output).toMatch(/^gk dev: change detected: plugin\.wat, rebuilding dev-demo$/m);
  });

  it("rebuilds when the source is deleted and created again", async () => {
    const before = dev.output.length;
    await unlink(join(dir, "plugin.wat"));
    await waitFor(() => (dev.output.slice(before).includes("change detected: plugin.wat (deleted)") ? true : undefined), 30_000);
    await writeFile(join(dir, "plugin.wat"), plugin("v6"));
    await waitFor(async () => ((await hello()) === "v6" ? true : undefined), 30_000);
    await writeFile(join(dir, "plugin.wat"), plugin("v2"));
    await waitFor(async () => ((await hello()) === "v2" ? true : undefined), 30_000);
  });

  it("prints a runtime error of a plugin call once, with the handler and the code", async () => {
    const trapping = plugin("v2").replace(/\(func \(export "hello"\)[^]*$/, '(func (export "hello") (param i32 i32) (result i64) unreachable))');
    await writeFile(join(dir, "plugin.wat"), trapping);
    await waitFor(async () => ((await fetch(`${dev.url}/api/plugins/dev-demo/hello`)).status === 500 ? true : undefined), 30_000);
    const before = dev.output.length;
    expect((await fetch(`${dev.url}/api/plugins/dev-demo/hello`)).status).toBe(500);
    await waitFor(() => (/^gk dev: dev-demo: hello failed with E_TRAP: .+$/m.test(dev.output.slice(before)) ? true : undefined), 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(dev.output.slice(before).match(/E_TRAP/g)).toHaveLength(1);
    await writeFile(join(dir, "plugin.wat"), plugin("v2"));
    await waitFor(async () => ((await hello()) === "v2" ? true : undefined), 30_000);
  });

  it("shows a build error and keeps serving the last good version", async () => {
    const before = dev.output.length;
    await writeFile(join(dir, "plugin.wat"), "(module (func $broken");
    await waitFor(() => (dev.output.slice(before).includes("build failed, still serving the previous version") ? true : undefined), 30_000);
    expect(await hello()).toBe("v2");
    expect(dev.running).toBe(true);
  });

  it("says why the host refused a new version, and keeps serving the last good one", async () => {
    await writeFile(join(dir, "plugin.wat"), plugin("v2"));
    const before = dev.output.length;
    await writeFile(join(dir, "manifest.json"), JSON.stringify({ ...watManifest, version: "2.0.0" }));
    const line = await waitFor(() => /^gk dev: dev-demo: reload failed, version 1\.0\.0 keeps serving: .*$/m.exec(dev.output.slice(before))?.[0], 30_000);
    expect(dev.output.slice(before)).toContain('gk_register returned version "1.0.0" but the manifest\'s version is "2.0.0". Fix: make gk_register return the manifest\'s version ("2.0.0")');
    expect(line).toBeDefined();
    await new Promise((r) => setTimeout(r, 500));
    // Said once, in one wording.
    expect(dev.output.slice(before).match(/failed/g), dev.output.slice(before)).toHaveLength(1);
    expect(await hello()).toBe("v2");
  });
});

describe("gk dev with a build that deletes and re-creates its dev.output folder", () => {
  let dir: string;
  let dev: Awaited<ReturnType<typeof startDev>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gk-dev-out-"));
    await writeWatPlugin(dir, { output: "out/plugin.wasm" });
    dev = await startDev(dir, "dev-demo", 60_000);
  }, 90_000);

  afterAll(async () => {
    await dev?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("reloads the module each time the folder is replaced", async () => {
    const hello = async () => (await fetch(`${dev.url}/api/plugins/dev-demo/hello`)).text();
    expect(await hello()).toBe("v1");
    for (const answer of ["v2", "v3", "v4"]) {
      await writeFile(join(dir, "plugin.wat"), plugin(answer));
      await waitFor(async () => ((await hello()) === answer ? true : undefined), 30_000);
    }
  });
});

describe("gk dev with a TypeScript plugin whose handler throws", () => {
  let dir: string;
  let dev: Awaited<ReturnType<typeof startDev>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gk-dev-ts-"));
    await mkdir(join(dir, "node_modules", "@goatkit"), { recursive: true });
    await symlink(join(repo, "packages/sdk"), join(dir, "node_modules", "@goatkit", "sdk"), "dir");
    await symlink(join(repo, "node_modules/typescript"), join(dir, "node_modules", "typescript"), "dir");
    await mkdir(join(dir, "src"));
    await writeFile(
      join(dir, "manifest.json"),
      JSON.stringify({
        name: "thrower",
        version: "1.0.0",
        wasm: "build/plugin.wasm",
        permissions: ["db:read", "db:write"],
        routes: [
          { method: "GET", path: "/api/plugins/thrower/go", handler: "go" },
          { method: "GET", path: "/api/plugins/thrower/rename", handler: "rename" },
        ],
      }),
    );
    await writeFile(join(dir, "src/check.ts"), `export function check(n: number): number {\n  if (n > 1) {\n    throw new Error("n is too big");\n  }\n  return n;\n}\n`);
    await writeFile(
      join(dir, "src/index.ts"),
      `import { definePlugin, host, Registration } from "@goatkit/sdk/guest";
import { check } from "./check.js";

export default definePlugin({
  register: new Registration("thrower", "1.0.0"),
  handlers: {
    go: () => ({ n: check(2) }),
    rename: () => host.dbExec("UPDATE ticket SET title = ? WHERE id = 1", ["renamed"]),
  },
});
`,
    );
    dev = await startDev(dir, "thrower", 120_000);
  }, 150_000);

  afterAll(async () => {
    await dev?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("prints the error once, its stack in the author's files and lines", async () => {
    const before = dev.output.length;
    expect((await fetch(`${dev.url}/api/plugins/thrower/go`)).status).toBe(500);
    await waitFor(() => (dev.output.slice(before).includes("gk dev: thrower: go failed with E_TRAP") ? true : undefined), 10_000);
    await new Promise((r) => setTimeout(r, 300));
    const printed = dev.output.slice(before);
    expect(printed.match(/failed with/g), printed).toHaveLength(1);
    expect(printed).toContain("n is too big");
    expect(printed).toContain("at check (src/check.ts:3:11)");
    expect(printed).toContain("at go (src/index.ts:7:18)");
    expect(printed).not.toMatch(/plugin\.js:\d+:\d+/);
  });

  it("prints a permission denial on a line of its own, naming the permission to add", async () => {
    const before = dev.output.length;
    expect((await fetch(`${dev.url}/api/plugins/thrower/rename`)).status).toBeGreaterThanOrEqual(400);
    await waitFor(() => (/failed with/.test(dev.output.slice(before)) ? true : undefined), 10_000);
    await new Promise((r) => setTimeout(r, 300));
    const printed = dev.output.slice(before);
    expect(printed).toMatch(/^gk dev: thrower: permission denied: db_exec may not write table "ticket": add "db:write:ticket" to manifest\.permissions to write it$/m);
    expect(printed.match(/db:write:ticket\b/g), printed).toHaveLength(1);
    expect(printed).toMatch(/^gk dev: thrower: rename failed with E_\w+: .*the permission denial above/m);
  });
});

describe("gk dev with an AssemblyScript plugin whose handler aborts", () => {
  let dir: string;
  let dev: Awaited<ReturnType<typeof startDev>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gk-dev-as-"));
    await mkdir(join(dir, "node_modules", "@goatkit"), { recursive: true });
    await symlink(join(repo, "packages/sdk"), join(dir, "node_modules", "@goatkit", "sdk"), "dir");
    await symlink(join(repo, "packages/sdk/node_modules/assemblyscript"), join(dir, "node_modules", "assemblyscript"), "dir");
    await mkdir(join(dir, "assembly"));
    const asc = join(repo, "packages/sdk/node_modules/assemblyscript/bin/asc.js");
    await writeFile(
      join(dir, "manifest.json"),
      JSON.stringify({
        name: "aborter",
        version: "1.0.0",
        wasm: "build/plugin.wasm",
        // The scaffold's asc options (asconfig.json): optimised for size, with a source map.
        build: { command: "node", args: [asc, "assembly/index.ts", "--outFile", "build/plugin.wasm", "--config", "asconfig.json"], watch: ["assembly/**/*.ts"], output: "build/plugin.wasm" },
        routes: [
          { method: "GET", path: "/api/plugins/aborter/go", handler: "go" },
          { method: "GET", path: "/api/plugins/aborter/pick", handler: "pick" },
        ],
      }),
    );
    await writeFile(
      join(dir, "assembly/index.ts"),
      `import { packJSON, parseRequest, register, JSON, Registration } from "@goatkit/sdk/assembly";
export { gk_alloc, gk_abi_version } from "@goatkit/sdk/assembly";

export function gk_register(): u64 {
  return register(new Registration("aborter", "1.0.0"));
}

function check(n: i32): i32 {
  if (n > 1) throw new Error("n is too big");
  return n;
}

export function go(reqPtr: u32, reqLen: u32): u64 {
  parseRequest(reqPtr, reqLen);
  return packJSON(new JSON.Obj().set("n", check(2)));
}

export function pick(reqPtr: u32, reqLen: u32): u64 {
  const req = parseRequest(reqPtr, reqLen);
  const picked: i32[] = [];
  return packJSON(new JSON.Obj().set("n", picked[req.body.length + 5]));
}
`,
    );
    await writeFile(join(dir, "asconfig.json"), assemblyScriptTemplate("aborter", { source: "registry", specs: {}, version: "0.0.0" })["asconfig.json"]!);
    dev = await startDev(dir, "aborter", 120_000);
  }, 150_000);

  afterAll(async () => {
    await dev?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("prints the abort once, at the author's file and line", async () => {
    const before = dev.output.length;
    expect((await fetch(`${dev.url}/api/plugins/aborter/go`)).status).toBe(500);
    await waitFor(() => (dev.output.slice(before).includes("gk dev: aborter: go failed with E_TRAP") ? true : undefined), 10_000);
    await new Promise((r) => setTimeout(r, 300));
    const printed = dev.output.slice(before);
    expect(printed.match(/failed with/g), printed).toHaveLength(1);
    expect(printed).toMatch(/n is too big at assembly\/index\.ts:9:\d+/);
  });

  it("prints an index error of the standard library once, at the author's line rather than ~lib's", async () => {
    const before = dev.output.length;
    expect((await fetch(`${dev.url}/api/plugins/aborter/pick`)).status).toBe(500);
    await waitFor(() => (dev.output.slice(before).includes("gk dev: aborter: pick failed with E_TRAP") ? true : undefined), 10_000);
    await new Promise((r) => setTimeout(r, 300));
    const printed = dev.output.slice(before);
    expect(printed.match(/failed with/g), printed).toHaveLength(1);
    expect(printed).toMatch(/^gk dev: aborter: pick failed with E_TRAP: pick aborted: Index out of range at assembly\/index\.ts:21:\d+$/m);
    expect(printed).not.toContain("~lib/");
  });
});
