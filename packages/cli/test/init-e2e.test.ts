import { execFile, spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// An author's first minutes, as they would type them: init, install, build, test, validate,
// call. Our packages come from their packed tarballs, as npm would deliver them.
const exec = promisify(execFile);
const repo = new URL("../../../", import.meta.url).pathname;
const gk = join(repo, "packages/cli/dist/cli.js");

async function run(cmd: string, args: string[], cwd: string) {
  try {
    const { stdout, stderr } = await exec(cmd, args, { cwd, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("gk plugin init --lang as, end to end", () => {
  let work: string;
  let project: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "gk-init-"));
    for (const pkg of ["sdk", "host"]) {
      const packed = await run("pnpm", ["pack", "--pack-destination", work], join(repo, "packages", pkg));
      expect(packed.code).toBe(0);
    }
  }, 120_000);
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("scaffolds a project", async () => {
    const res = await run("node", [gk, "plugin", "init", "ticket-notes", "--lang", "as"], work);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    project = join(work, "ticket-notes");
    expect((await readdir(project)).sort()).toEqual([".gitignore", "README.md", "asconfig.json", "assembly", "manifest.json", "package.json", "test"]);
  });

  it("installs, builds and passes its own test", async () => {
    const tarballs = await readdir(work);
    const sdk = join(work, tarballs.find((f) => f.startsWith("goatkit-sdk-"))!);
    const host = join(work, tarballs.find((f) => f.startsWith("goatkit-host-"))!);
    const pkg = JSON.parse(await readFile(join(project, "package.json"), "utf8"));
    pkg.devDependencies["@goatkit/sdk"] = `file:${sdk}`;
    pkg.devDependencies["@goatkit/host"] = `file:${host}`;
    pkg.overrides = { "@goatkit/sdk": `file:${sdk}` };
    await writeFile(join(project, "package.json"), JSON.stringify(pkg, null, 2));
    const install = await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], project);
    expect(install.stderr).not.toMatch(/ERR!/);
    expect(install.code).toBe(0);
    const build = await run("npm", ["run", "build"], project);
    expect(build.code).toBe(0);
    const test = await run("npm", ["test"], project);
    expect(`${test.stdout}${test.stderr}`).toMatch(/3 passed/);
    expect(test.code).toBe(0);
  }, 300_000);

  it("packs, signs and verifies the package, and serves the plugin over HTTP", async () => {
    await publishPath(project, "ticket-notes");
  }, 120_000);

  it("validates and answers a call", async () => {
    const validate = await run("node", [gk, "plugin", "validate", "."], project);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toContain("registration agrees with the manifest; 2 route(s), 1 widget(s), 0 job(s)");
    const call = await run("node", [gk, "plugin", "call", ".", "render_widget", "--input", '{"user":{"id":1,"login":"ada","email":"a@x.io","role":"agent"}}'], project);
    expect(call.stdout).toBe("<p>Hello, ada!</p>");
  });
});

describe("gk plugin init --lang ts, end to end", () => {
  let work: string;
  let project: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "gk-init-ts-"));
    for (const pkg of ["sdk", "host", "cli"]) {
      const packed = await run("pnpm", ["pack", "--pack-destination", work], join(repo, "packages", pkg));
      expect(packed.code).toBe(0);
    }
  }, 120_000);
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("scaffolds, installs, builds for the shared engine and passes its own test", async () => {
    expect((await run("node", [gk, "plugin", "init", "ticket-notes-ts", "--lang", "ts"], work)).code).toBe(0);
    project = join(work, "ticket-notes-ts");
    const tarballs = await readdir(work);
    const tarball = (name: string) => `file:${join(work, tarballs.find((f) => f.startsWith(`goatkit-${name}-`))!)}`;
    const pkg = JSON.parse(await readFile(join(project, "package.json"), "utf8"));
    for (const name of ["sdk", "host", "cli"]) pkg.devDependencies[`@goatkit/${name}`] = tarball(name);
    pkg.overrides = { ...pkg.overrides, "@goatkit/sdk": tarball("sdk"), "@goatkit/host": tarball("host") };
    await writeFile(join(project, "package.json"), JSON.stringify(pkg, null, 2));
    const install = await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], project);
    expect(install.code).toBe(0);
    const build = await run("npm", ["run", "build"], project);
    expect(`${build.stdout}${build.stderr}`).toMatch(/build\/plugin\.wasm: quickjs module, [\d.]+ KiB/);
    expect(build.code).toBe(0);
    const test = await run("npm", ["test"], project);
    expect(`${test.stdout}${test.stderr}`).toMatch(/3 passed/);
    const call = await run("node", [gk, "plugin", "call", ".", "render_widget", "--user", "agent"], project);
    expect(call.stdout).toBe("<p>Hello, demo.agent!</p>");
    expect((await run("node", [gk, "plugin", "validate", "."], project)).code).toBe(0);
    await publishPath(project, "ticket-notes-ts");
  }, 600_000);
});

/** The rest of the journey: pack, keygen, sign, verify, then a running host serving the plugin over HTTP. */
async function publishPath(project: string, name: string): Promise<void> {
  const pack = await run("node", [gk, "plugin", "pack", ".", "--out", "plugin.zip"], project);
  expect(pack.code).toBe(0);
  expect((await run("node", [gk, "plugin", "keygen", "--out", "release"], project)).code).toBe(0);
  expect((await run("node", [gk, "plugin", "sign", "plugin.zip", "--key", "release.key"], project)).code).toBe(0);
  const verify = await run("node", [gk, "plugin", "verify", "plugin.zip", "--trust", "release.pub"], project);
  expect(verify.stdout).toMatch(new RegExp(`${name} 0\\.1\\.0, integrity ok \\(\\d+ files\\), signed by trusted key [0-9a-f]{16}`));

  const token = "e2e-token-0123456789";
  const host = spawn("node", ["--no-warnings", gk, "start", ".", "--port", "0", "--db", ":memory:", "--token", token], { cwd: project });
  let output = "";
  host.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  host.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  try {
    let url = "";
    const until = Date.now() + 60_000;
    while (!(url = /listening on (http:\/\/\S+)/.exec(output)?.[1] ?? "")) {
      if (Date.now() > until || host.exitCode !== null) throw new Error(`the host did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const anonymous = await fetch(`${url}/api/plugins/${name}/counts`);
    expect(anonymous.status).toBe(401);
    const counts = await fetch(`${url}/api/plugins/${name}/counts`, { headers: { authorization: `Bearer ${token}` } });
    expect(counts.status).toBe(200);
    const body = (await counts.json()) as { count: number }[];
    expect(body.reduce((n, c) => n + c.count, 0)).toBeGreaterThan(0);
    const note = await fetch(`${url}/api/plugins/${name}/notes`, { method: "POST", body: "from HTTP", headers: { authorization: `Bearer ${token}` } });
    expect(await note.json()).toEqual({ id: 1 });
  } finally {
    host.kill("SIGTERM");
    await new Promise((r) => host.once("exit", r));
  }
}
