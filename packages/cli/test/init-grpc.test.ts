import { execFile, spawn } from "node:child_process";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// `gk plugin init --runtime grpc` as an author types it, then install, build, test, call,
// validate, pack, sign, verify, and a running host serving the plugin over HTTP. The @goatkit
// packages come from the tarballs `--deps local` packs into vendor/.
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

describe("gk plugin init --runtime grpc, end to end", () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "gk-init-grpc-"));
    // gk start gives the plugin a user of its own when run as root: that user must enter the project.
    await chmod(work, 0o755);
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("refuses AssemblyScript for a process plugin, naming the fix", async () => {
    const res = await run("node", [gk, "plugin", "init", "nope", "--runtime", "grpc", "--lang", "as", "--deps", "local"], work);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain("use --lang ts with --runtime grpc");
  });

  it("scaffolds, installs, builds one executable with esbuild, passes its own test, packs and serves", async () => {
    const init = await run("node", [gk, "plugin", "init", "ticket-notes-grpc", "--runtime", "grpc", "--deps", "local"], work);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain("Created ticket-notes-grpc (TypeScript, gRPC)");
    const project = join(work, "ticket-notes-grpc");
    const manifest = JSON.parse(await readFile(join(project, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ runtime: "grpc", grpc: { binary: "build/ticket-notes-grpc.mjs", health_check: true } });
    const install = await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], project);
    expect(install.code, install.stderr).toBe(0);
    const build = await run("npm", ["run", "build"], project);
    expect(`${build.stdout}${build.stderr}`).toMatch(/build\/ticket-notes-grpc\.mjs: gRPC process plugin, [\d.]+ KiB/);
    expect(build.code).toBe(0);
    const test = await run("npm", ["test"], project);
    expect(`${test.stdout}${test.stderr}`).toMatch(/3 passed/);
    const call = await run("node", [gk, "plugin", "call", ".", "render_widget", "--user", "agent"], project);
    // The scaffold's "Ticket counts" widget lists the demo help desk's tickets per state.
    expect(call.stdout).toMatch(/^<ul class="ticket-counts">(<li>[a-z ]+: \d+<\/li>)+<\/ul>$/);
    expect(call.stdout).toContain("<li>open: ");
    expect((await run("node", [gk, "plugin", "validate", "."], project)).code).toBe(0);
    await publishPath(project, "ticket-notes-grpc");
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
