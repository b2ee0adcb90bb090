import { createHash, createPublicKey, verify } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { kitchenSink, repo, run } from "./support.js";

// fflate is the host's zip library; the test reads the zip with it as any unzip would.
const { unzipSync } = createRequire(new URL("../../host/package.json", import.meta.url))("fflate") as { unzipSync(data: Uint8Array): Record<string, Uint8Array> };

const cPlugin = join(repo, "fixtures/goatflow-c");

describe("gk plugin check --target goatflow", () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "gk-gf-check-"));
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  it("passes the C plugin with warnings for what GoatFlow does differently, exit 0", async () => {
    const res = await run(["plugin", "check", "--target", "goatflow", cPlugin], tmp);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("loads on GoatFlow's runtime as hello-c 1.0.0");
    expect(res.stdout).toContain("route GET /hello/:name -> hello");
    expect(res.stdout).toContain("widget hello_widget -> widget");
    expect(res.stdout).toContain('warning: job never_runs: the job never runs: GoatFlow schedules only jobs with "enabled": true');
    expect(res.stdout).toContain("note: routes: GoatFlow builds plugin routes only at startup and on upload: a lazily loaded plugin");
    expect(res.stdout).toContain("GoatFlow does not stop a call that runs past its 30 s limit");
    expect(res.stdout).toMatch(/0 error\(s\), 2 warning\(s\)/);
  });

  it("fails a core-ABI plugin, naming every import GoatFlow lacks and the build that fixes it", async () => {
    const res = await run(["plugin", "check", "--target", "goatflow", kitchenSink], tmp);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain("does not load on GoatFlow's runtime");
    expect(res.stdout).toMatch(/error: module: GoatFlow cannot instantiate the module: env\.abort comes from module "env".*host\.db_query.* come from module "host"/);
    expect(res.stdout).toContain("gk plugin build --target goatflow");
    // The manifest's permissions beyond GoatFlow's default policy.
    expect(res.stdout).toContain("GoatFlow grants a new plugin only db read and cache read/write; db:write, http:external, email:send, jobs:schedule must be granted");
  });

  it("fails a widget without html and warns about widgets outside the dashboard and memory over 16 MiB", async () => {
    const dir = join(tmp, "widgets");
    await mkdir(dir);
    const registration = JSON.stringify({
      name: "widgets",
      version: "1.0.0",
      widgets: [
        { id: "a", handler: "a", location: "dashboard" },
        { id: "b", handler: "b", location: "agent_home" },
      ],
    });
    const wat = `(module
      (memory (export "memory") 1)
      (data (i32.const 1024) "${registration.replace(/"/g, '\\"')}")
      (data (i32.const 2048) "{\\"text\\":\\"no html\\"}")
      (func (export "gk_malloc") (param i32) (result i32) (i32.const 4096))
      (func (export "gk_register") (result i64) (i64.or (i64.shl (i64.const 1024) (i64.const 32)) (i64.const ${registration.length})))
      (func (export "gk_call") (param i32 i32 i32 i32) (result i64) (i64.or (i64.shl (i64.const 2048) (i64.const 32)) (i64.const 18))))`;
    const wabt = await (createRequire(new URL("../../host/package.json", import.meta.url))("wabt") as () => Promise<{ parseWat(n: string, s: string): { toBinary(o: object): { buffer: Uint8Array } } }>)();
    await writeFile(join(dir, "plugin.wasm"), wabt.parseWat("w.wat", wat).toBinary({}).buffer);
    await writeFile(join(dir, "manifest.json"), JSON.stringify({ name: "widgets", version: "1.0.0", limits: { memory_mb: 64 } }));
    const res = await run(["plugin", "check", "--target", "goatflow", dir], tmp);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('error: widget a: the widget\'s answer has no "html" string ({"text":"no html"}); GoatFlow renders an empty widget');
    expect(res.stdout).toContain('warning: widget b: location "agent_home" is never rendered');
    expect(res.stdout).toContain("warning: manifest: limits.memory_mb is 64, but GoatFlow gives every WebAssembly plugin 16 MiB");
  });

  it("stops a handler that never returns after --timeout and reports it; checks the other routes", async () => {
    const source = await readFile(join(repo, "packages/host/test/fixtures/wat/goatflow/wat-goat.wat"), "utf8");
    const wabt = await (createRequire(new URL("../../host/package.json", import.meta.url))("wabt") as () => Promise<{ parseWat(n: string, s: string): { toBinary(o: object): { buffer: Uint8Array } } }>)();
    await writeFile(join(tmp, "wat-goat.wasm"), wabt.parseWat("wat-goat.wat", source).toBinary({}).buffer);
    // The limit only decides when the check gives up on the loop route, which never returns.
    const res = await run(["plugin", "check", "--target", "goatflow", "wat-goat.wasm", "--timeout", "10000"], tmp);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain("error: route GET /loop: loop did not return within 10000 ms and was stopped by the check; GoatFlow does not stop a call");
    expect(res.stdout).toContain("route GET /echo -> echo");
    expect(res.stdout).toContain("route GET /clock -> clock");
  });

  it("reports an invalid manifest instead of ignoring it", async () => {
    const dir = join(tmp, "bad-manifest");
    await mkdir(dir);
    await copyFile(join(cPlugin, "plugin.wasm"), join(dir, "plugin.wasm"));
    await writeFile(join(dir, "manifest.json"), JSON.stringify({ name: 5, version: "1.0.0" }));
    const res = await run(["plugin", "check", "--target", "goatflow", dir], tmp);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("name");
    expect(res.stdout).not.toContain("loads on GoatFlow");
  });

  it("refuses a target it does not know", async () => {
    const res = await run(["plugin", "check", "--target", "wordpress", cPlugin], tmp);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('gk plugin check needs --target goatflow, not "wordpress"');
  });
});

describe("gk plugin pack --target goatflow", () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "gk-gf-pack-"));
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  it("writes <name>.wasm, plugin.yaml, manifest.json and a .sig GoatFlow's algorithm verifies", async () => {
    // A plugin folder with our manifest around the C module: its permissions become plugin.yaml's.
    const dir = join(tmp, "hello-c");
    await mkdir(dir);
    await copyFile(join(cPlugin, "plugin.wasm"), join(dir, "plugin.wasm"));
    await writeFile(
      join(dir, "manifest.json"),
      JSON.stringify({ name: "hello-c", version: "1.0.0", permissions: ["db:read", "cache:read", "cache:write", "http:external"], http: { allowed_hosts: ["api.example.com"] } }),
    );
    expect((await run(["plugin", "keygen", "--out", "team"], tmp)).code).toBe(0);
    const res = await run(["plugin", "pack", "--target", "goatflow", dir, "--key", "team.key"], tmp);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/hello-c-1\.0\.0-goatflow\.zip: hello-c 1\.0\.0 for GoatFlow \(hello-c\.wasm, hello-c\.wasm\.sig, manifest\.json, plugin\.yaml\), \d+ bytes, signed with key [0-9a-f]{16}/);

    const files = unzipSync(new Uint8Array(await readFile(join(tmp, "hello-c-1.0.0-goatflow.zip"))));
    expect(Object.keys(files).sort()).toEqual(["hello-c.wasm", "hello-c.wasm.sig", "manifest.json", "plugin.yaml"]);
    expect(files["hello-c.wasm"]).toEqual(new Uint8Array(await readFile(join(cPlugin, "plugin.wasm"))));
    expect(parse(new TextDecoder().decode(files["plugin.yaml"]))).toEqual({
      name: "hello-c",
      version: "1.0.0",
      runtime: "wasm",
      wasm: "hello-c.wasm",
      description: "GoatFlow ABI plugin in C",
      author: "GoatKit",
      resources: {
        permissions: [
          { type: "db", access: "read" },
          { type: "cache", access: "readwrite" },
          { type: "http", scope: ["api.example.com"] },
        ],
      },
    });
    const registration = JSON.parse(new TextDecoder().decode(files["manifest.json"]));
    expect(registration).toMatchObject({ name: "hello-c", version: "1.0.0", widgets: [{ id: "hello_widget", location: "dashboard" }] });

    // GoatFlow's check: hex-decode the .sig (no newline), Ed25519-verify it over SHA-256(module).
    const sig = new TextDecoder().decode(files["hello-c.wasm.sig"]);
    expect(sig).toMatch(/^[0-9a-f]{128}$/);
    const publicKey = createPublicKey(await readFile(join(tmp, "team.key"), "utf8"));
    const digest = createHash("sha256").update(files["hello-c.wasm"]!).digest();
    expect(verify(null, digest, publicKey, Buffer.from(sig, "hex"))).toBe(true);
    const tampered = Uint8Array.from(files["hello-c.wasm"]!);
    tampered[100] = tampered[100]! ^ 1;
    expect(verify(null, createHash("sha256").update(tampered).digest(), publicKey, Buffer.from(sig, "hex"))).toBe(false);
  });

  it("packs a folder without a manifest: its only .wasm, named by the registration, no resources", async () => {
    const res = await run(["plugin", "pack", "--target", "goatflow", cPlugin, "--out", "bare.zip"], tmp);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("unsigned (add --key to write the .sig)");
    const files = unzipSync(new Uint8Array(await readFile(join(tmp, "bare.zip"))));
    expect(Object.keys(files).sort()).toEqual(["hello-c.wasm", "manifest.json", "plugin.yaml"]);
    expect(parse(new TextDecoder().decode(files["plugin.yaml"]))).not.toHaveProperty("resources");
  });

  it("refuses a core-ABI module and names the goatflow build", async () => {
    const res = await run(["plugin", "pack", "--target", "goatflow", kitchenSink, "--out", "x.zip"], tmp);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("not a GoatFlow module");
    expect(res.stderr).toContain("Build it for GoatFlow: gk plugin build --target goatflow");
  });
});
