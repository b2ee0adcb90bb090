import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUntil } from "./support.js";

// GoatFlow's own plugins, unchanged, through the built `gk`: the C plugin of fixtures/goatflow-c
// (GoatFlow's real ABI, built with clang and wasi-libc; the built module is committed).
const gk = new URL("../dist/cli.js", import.meta.url).pathname;
const C_WASM = new URL("../../../fixtures/goatflow-c/plugin.wasm", import.meta.url).pathname;
const haveC = existsSync(C_WASM);
if (!haveC) console.warn(`goatflow-plugins: ${C_WASM} is missing; run pnpm --filter @goatkit/fixture-goatflow-c build (needs clang, lld, wasi-libc). These tests are skipped.`);
const exec = promisify(execFile);
const TOKEN = "goatflow-cli-token";

describe.skipIf(!haveC)("GoatFlow's plugins with gk", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gk-goatflow-"));
    await copyFile(C_WASM, join(dir, "greeter.wasm"));
    await mkdir(join(dir, "yaml-plugin"));
    await copyFile(C_WASM, join(dir, "yaml-plugin", "hello.wasm"));
    await writeFile(join(dir, "yaml-plugin", "plugin.yaml"), "name: yaml-hello\nversion: 2.0.0\nruntime: wasm\nbinary: hello.wasm\nresources:\n  permissions:\n    - { type: db, access: read }\n");
    await mkdir(join(dir, "rpc-plugin"));
    await writeFile(join(dir, "rpc-plugin", "plugin.yaml"), "name: rpc-thing\nruntime: grpc\nbinary: rpc-thing\n");
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("gk plugin call runs a bare .wasm, passing the --input body as GoatFlow's arguments", async () => {
    const { stdout, stderr } = await exec("node", ["--no-warnings", gk, "plugin", "call", join(dir, "greeter.wasm"), "hello", "--input", JSON.stringify({ body: JSON.stringify({ who: "cli" }) })]);
    expect(stderr).toBe("");
    expect(JSON.parse(stdout)).toEqual({ greeting: "hello from C", args: { who: "cli" } });
    const tickets = await exec("node", ["--no-warnings", gk, "plugin", "call", join(dir, "greeter.wasm"), "tickets"]);
    expect(JSON.parse(tickets.stdout)).toEqual({ rows: [{ n: expect.any(Number) }] });
  });

  it("gk start --plugins-dir lists a bare .wasm and a plugin.yaml folder as GoatFlow plugins, names the gRPC one, and serves them over HTTP", async () => {
    const started = await startUntil(["--plugins-dir", dir, "--token", TOKEN], /Press Ctrl-C|gk: /);
    try {
      expect(started.out).toContain("greeter: registered (not loaded; loads on first use) [GoatFlow wasm, no manifest]");
      expect(started.out).toContain("yaml-hello: registered (not loaded; loads on first use) [GoatFlow plugin.yaml, no manifest]");
      expect(started.out).toMatch(/rpc-plugin: error \[?.*plugin "rpc-thing" is a GoatFlow gRPC plugin: a go-plugin net\/rpc process/);
      expect(started.out).not.toContain("skipped");
      const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
      const hello = await fetch(`${started.url}/api/plugins/greeter/hello/goat?lang=en`, auth);
      expect(hello.status).toBe(200);
      expect(((await hello.json()) as { args: Record<string, unknown> }).args).toMatchObject({ name: "goat", lang: "en", _method: "GET", _user_login: "admin", _is_admin: true });
      const page = await fetch(`${started.url}/api/plugins/yaml-hello/page`, auth);
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      expect(await page.text()).toBe("<h1>Hello from C</h1>");
      const widget = await fetch(`${started.url}/api/plugins/yaml-hello/widgets/hello_widget`, auth);
      expect(await widget.text()).toContain('<div class="hello-c">widget args {}</div>');
      const { plugins: list } = (await (await fetch(`${started.url}/api/v1/plugins`, auth)).json()) as { plugins: Array<{ name: string; hasManifest: boolean; goatflow: string | null; permissions: string[] }> };
      expect(list.find((p) => p.name === "yaml-hello")).toMatchObject({ hasManifest: false, goatflow: "plugin.yaml", permissions: ["db:read"] });
    } finally {
      started.stop();
    }
  });
});
