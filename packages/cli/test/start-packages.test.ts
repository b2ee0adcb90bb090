import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKeyPair, packPlugin } from "@goatkit/host";
import { kitchenSink, startUntil } from "./support.js";

describe("gk start with .zip packages", () => {
  let dir: string;
  const keys = generateKeyPair();

  /** The kitchen-sink fixture packed as `gk plugin pack` does, signed when a key is given. */
  async function pack(name: string, signingKey?: string): Promise<{ fileName: string; bytes: Uint8Array }> {
    const folder = join(dir, `src-${name}`, "kitchen-sink");
    await mkdir(join(folder, "build"), { recursive: true });
    await cp(join(kitchenSink, "build", "plugin.wasm"), join(folder, "build", "plugin.wasm"));
    await writeFile(join(folder, "manifest.json"), await readFile(join(kitchenSink, "manifest.json")));
    return packPlugin(folder, signingKey ? { signingKey } : {});
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "goatkit-start-packages-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("serves a signed package named on the command line, with its publisher's key trusted", async () => {
    const packed = await pack("signed", keys.privateKeyPem);
    const file = join(dir, "signed", packed.fileName);
    await mkdir(join(dir, "signed"));
    await writeFile(file, packed.bytes);
    const started = await startUntil([file, "--trust", keys.publicKey, "--require-signatures"], /Press Ctrl-C|exited|gk: /);
    try {
      expect(started.out).toContain("kitchen-sink: registered (not loaded; loads on first use)");
      expect(started.url).not.toBeNull();
      const res = await fetch(`${started.url}/api/plugins/kitchen-sink/echo/7?page=3`);
      expect(res.status).toBe(200);
    } finally {
      started.stop();
    }
  });

  it("refuses an unsigned package under --require-signatures, saying why", async () => {
    const packed = await pack("unsigned");
    const file = join(dir, "unsigned", packed.fileName);
    await mkdir(join(dir, "unsigned"));
    await writeFile(file, packed.bytes);
    const started = await startUntil([file, "--trust", keys.publicKey, "--require-signatures"], /Press Ctrl-C|gk: /);
    started.stop();
    expect(started.out).toMatch(new RegExp(`${packed.fileName.replace(/[.]/g, "\\.")}: error \\(.*is not signed.*the trust policy is "require"`));
    expect(started.out).not.toContain("kitchen-sink: registered");
  });

  it("in --plugins-dir, serves a package, and names a package it cannot read and a file it skips", async () => {
    const plugins = join(dir, "plugins");
    await mkdir(plugins);
    const packed = await pack("in-dir");
    await writeFile(join(plugins, packed.fileName), packed.bytes);
    await writeFile(join(plugins, "broken-1.0.0.zip"), "not a zip at all");
    await writeFile(join(plugins, "notes.txt"), "not a plugin");
    const started = await startUntil(["--plugins-dir", plugins], /Press Ctrl-C|gk: /);
    try {
      expect(started.out).toContain("kitchen-sink: registered (not loaded; loads on first use)");
      expect(started.out).toMatch(/broken-1\.0\.0\.zip: error \(.+\)/);
      expect(started.out).toContain(`skipped ${join(plugins, "notes.txt")}: not a plugin folder or a .zip package`);
      const res = await fetch(`${started.url}/api/plugins/kitchen-sink/echo/7?page=3`);
      expect(res.status).toBe(200);
    } finally {
      started.stop();
    }
  });
});
