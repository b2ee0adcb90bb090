import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The built `gk`, spawned as a user runs it.
const gk = new URL("../dist/cli.js", import.meta.url).pathname;
const fixture = new URL("../../../fixtures/as-kitchen-sink", import.meta.url).pathname;
const exec = promisify(execFile);

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec("node", [gk, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("gk plugin call", () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "gk-call-"));
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  it("prints the handler's result from the embedded demo help desk", async () => {
    const { code, stdout, stderr } = await run("plugin", "call", fixture, "count_tickets");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.source).toBe("db");
    expect(result.counts.reduce((n: number, c: { count: number }) => n + c.count, 0)).toBe(3000);
  });

  it("passes --input as the request envelope", async () => {
    const { code, stdout } = await run("plugin", "call", fixture, "echo", "--input", '{"query":{"page":"4"},"params":{"id":"9"}}');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ page: 4, params: { id: "9" }, kind: "call" });
  });

  it("takes the plugin's .wasm directly, with the manifest beside its folder's build", async () => {
    const { code, stdout } = await run("plugin", "call", join(fixture, "build/plugin.wasm"), "nothing");
    // No manifest beside build/plugin.wasm: the registration describes the plugin.
    expect(code).toBe(0);
    expect(stdout).toBe("");
  });

  it("calls as the --user given, by role or as JSON", async () => {
    expect((await run("plugin", "call", fixture, "widget", "--user", "admin")).stdout).toBe('<div class="kitchen-sink"><p>Hello, demo.admin!</p></div>');
    const json = await run("plugin", "call", fixture, "echo", "--user", '{"id":9,"login":"ada","email":"ada@example.com","role":"agent"}');
    expect(JSON.parse(json.stdout).user).toEqual({ id: 9, login: "ada", email: "ada@example.com", role: "agent" });
    const bad = await run("plugin", "call", fixture, "echo", "--user", "root");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("gk: --user must be agent, admin, customer or a JSON user with a role among those, not root\n");
  });

  it("keeps data in a --db file between calls", async () => {
    const db = join(tmp, "desk.db");
    const insert = '{"body":"{\\"sql\\":\\"INSERT INTO kitchen_sink_notes (body) VALUES (?)\\",\\"args\\":[\\"kept\\"]}"}';
    expect((await run("plugin", "call", fixture, "exec", "--db", db, "--input", insert)).code).toBe(0);
    const select = '{"body":"{\\"sql\\":\\"SELECT body FROM kitchen_sink_notes\\",\\"args\\":[]}"}';
    const { stdout } = await run("plugin", "call", fixture, "query", "--db", db, "--input", select);
    expect(JSON.parse(stdout)).toEqual([{ body: "kept" }]);
  });

  it("prints a plugin error on stderr and exits 1", async () => {
    const { code, stdout, stderr } = await run("plugin", "call", fixture, "fail");
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toBe("gk: kitchen-sink.fail: something broke (BROKEN)\n");
  });

  it("names an unknown handler", async () => {
    const { code, stderr } = await run("plugin", "call", fixture, "nope");
    expect(code).toBe(1);
    expect(stderr).toBe('gk: kitchen-sink.nope: the plugin does not export a handler named "nope" (E_UNKNOWN_HANDLER)\n');
  });

  it("refuses --input that is not a JSON object, with exit code 2", async () => {
    const { code, stderr } = await run("plugin", "call", fixture, "echo", "--input", "{page:4}");
    expect(code).toBe(2);
    expect(stderr).toMatch(/^gk: --input is not valid JSON \(.+\); pass an object such as '\{"query":\{"page":"2"\}\}'\n$/);
  });

  it("says where the manifest is missing", async () => {
    const { code, stderr } = await run("plugin", "call", tmp, "echo");
    expect(code).toBe(1);
    expect(stderr).toContain(`no manifest.json, manifest.yaml or manifest.yml in ${tmp}`);
  });
});
