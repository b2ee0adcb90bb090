import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kitchenSink, run } from "./support.js";

describe("gk plugin pack, keygen, sign, verify", () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "gk-pack-"));
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  it("packs, signs and verifies a package", async () => {
    const pack = await run(["plugin", "pack", kitchenSink, "--out", "sink.zip"], tmp);
    expect(pack.code).toBe(0);
    expect(pack.stdout).toMatch(/sink\.zip: kitchen-sink 1\.0\.0, \d+ bytes, unsigned \(sign it with gk plugin sign\)/);
    expect((await run(["plugin", "keygen", "--out", "team"], tmp)).code).toBe(0);
    const unsigned = await run(["plugin", "verify", "sink.zip", "--trust", "team.pub"], tmp);
    expect(unsigned.code).toBe(1);
    expect(unsigned.stderr).toContain('sink.zip is not signed, and the trust policy is "require"');
    const sign = await run(["plugin", "sign", "sink.zip", "--key", "team.key"], tmp);
    expect(sign.code).toBe(0);
    const verified = await run(["plugin", "verify", "sink.zip", "--trust", "team.pub"], tmp);
    expect(verified.stdout).toMatch(/integrity ok \(\d+ files\), signed by trusted key [0-9a-f]{16}/);
  });

  it("refuses a damaged package", async () => {
    await run(["plugin", "pack", kitchenSink, "--out", "t.zip"], tmp);
    const bytes = new Uint8Array(await readFile(join(tmp, "t.zip")));
    // Flip one byte in the middle of the zip (the test suite of the packages module covers
    // each kind of tampering with its exact message).
    const at = Math.floor(bytes.length / 2);
    bytes[at] = bytes[at]! ^ 0x01;
    await writeFile(join(tmp, "t.zip"), bytes);
    const res = await run(["plugin", "verify", "t.zip", "--policy", "off"], tmp);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^gk: t\.zip: /);
  });

  it("says how to get a key when the key file is missing", async () => {
    const res = await run(["plugin", "sign", "nothing.zip", "--key", "missing.key"], tmp);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/gk: (nothing\.zip: no such file|missing\.key: cannot read the private key; create a key pair with gk plugin keygen)/);
  });
});

describe("gk plugin validate", () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "gk-validate-"));
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  async function copyWith(manifestChange: (m: Record<string, unknown>) => void): Promise<string> {
    const dir = await mkdtemp(join(tmp, "p-"));
    const manifest = JSON.parse(await readFile(join(kitchenSink, "manifest.json"), "utf8"));
    manifestChange(manifest);
    delete manifest.build;
    await writeFile(join(dir, "manifest.json"), JSON.stringify(manifest));
    await writeFile(join(dir, "plugin.wasm"), await readFile(join(kitchenSink, "build/plugin.wasm")));
    return dir;
  }

  it("passes the kitchen-sink fixture", async () => {
    const res = await run(["plugin", "validate", kitchenSink]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("registration agrees with the manifest; 14 route(s), 1 widget(s), 1 job(s)");
  });

  it("reports a host function the manifest does not permit, with the fix", async () => {
    const dir = await copyWith((m) => (m.permissions = (m.permissions as string[]).filter((p) => p !== "email:send")));
    const res = await run(["plugin", "validate", dir]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('the module calls send_email, which needs "email:send". Fix: add "email:send" to manifest.permissions');
  });

  it("reports a handler the module does not export", async () => {
    const dir = await copyWith((m) => ((m.routes as { handler: string }[])[0]!.handler = "ech"));
    const res = await run(["plugin", "validate", dir]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/routes\[0\]\.handler.*"ech"/);
  });
});
