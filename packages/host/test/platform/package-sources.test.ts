import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost, generateKeyPair, NpmSource, packPlugin, PackageSource, PluginManager, startServer, type Host } from "../../src/index.js";
import { KITCHEN_SINK } from "./support/platform.js";

describe("plugins from .zip packages and npm packages", () => {
  let host: Host;
  let work: string;
  let zip: Uint8Array;
  const keys = generateKeyPair();

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "goatkit-sources-"));
    zip = (await packPlugin(KITCHEN_SINK, { signingKey: keys.privateKeyPem })).bytes;
    host = await createHost({ database: { demo: { tickets: 20 } } });
  });
  afterAll(async () => {
    await host.close();
    await rm(work, { recursive: true, force: true });
  });

  it("loads a signed package from a packages directory and serves calls", async () => {
    const dir = join(work, "signed");
    await mkdir(dir);
    await writeFile(join(dir, "kitchen-sink-1.0.0.zip"), zip);
    const manager = await PluginManager.create({ host, sources: [new PackageSource(dir, { trust: { policy: "require", trustedKeys: [keys.publicKey] } })] });
    try {
      expect(manager.list().map((p) => [p.name, p.source])).toEqual([["kitchen-sink", "zip"]]);
      const res = await manager.call("kitchen-sink", "echo", { query: { page: "2" } });
      expect(JSON.parse(String(res.body)).page).toBe(2);
    } finally {
      await manager.close();
    }
  });

  it("serves the static files of a .zip package over HTTP, from the folder it was extracted to", async () => {
    const source = join(work, "with-static");
    await cp(KITCHEN_SINK, source, { recursive: true, filter: (src) => !src.includes("node_modules") });
    await mkdir(join(source, "static"), { recursive: true });
    await writeFile(join(source, "static", "hello.txt"), "hello from the package");
    const dir = join(work, "served");
    await mkdir(dir);
    await writeFile(join(dir, "kitchen-sink-1.0.0.zip"), (await packPlugin(source, { signingKey: keys.privateKeyPem })).bytes);
    const server = await startServer({ host, port: 0, scheduler: false, dashboard: false, managerOptions: { sources: [new PackageSource(dir, { trust: { policy: "require", trustedKeys: [keys.publicKey] } })] } });
    try {
      const res = await fetch(`${server.url}/api/plugins/kitchen-sink/static/hello.txt`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("hello from the package");
    } finally {
      await server.close();
    }
  });

  it("refuses a tampered package and an unsigned one under require, saying why", async () => {
    const dir = join(work, "bad");
    await mkdir(dir);
    const tampered = zip.slice();
    tampered[Math.floor(tampered.length / 2)]! ^= 0x01;
    await writeFile(join(dir, "tampered.zip"), tampered);
    await writeFile(join(dir, "unsigned.zip"), (await packPlugin(KITCHEN_SINK)).bytes);
    const manager = await PluginManager.create({ host, sources: [new PackageSource(dir, { trust: { policy: "require", trustedKeys: [keys.publicKey] } })] });
    try {
      const problems = manager.list().map((p) => `${p.location.split("/").pop()}: ${p.error ?? p.status}`);
      expect(problems.find((p) => p.startsWith("unsigned.zip"))).toMatch(/not signed, and the trust policy is "require"/);
      expect(problems.find((p) => p.startsWith("tampered.zip"))).toBeDefined();
      expect((await manager.call("kitchen-sink", "echo")).status).toBeGreaterThanOrEqual(400);
    } finally {
      await manager.close();
    }
  });

  it("finds a plugin shipped as an npm package through its goatkit field", async () => {
    const pkg = join(work, "node_modules/@acme/kitchen-sink");
    await mkdir(pkg, { recursive: true });
    await cp(join(KITCHEN_SINK, "manifest.json"), join(pkg, "manifest.json"));
    await mkdir(join(pkg, "build"));
    await writeFile(join(pkg, "build/plugin.wasm"), await readFile(join(KITCHEN_SINK, "build/plugin.wasm")));
    await writeFile(join(pkg, "package.json"), JSON.stringify({ name: "@acme/kitchen-sink", version: "1.0.0", goatkit: { plugin: "." } }));
    const manager = await PluginManager.create({ host, sources: [new NpmSource(join(work, "node_modules"))] });
    try {
      expect(manager.list().map((p) => [p.name, p.source])).toEqual([["kitchen-sink", "npm"]]);
      expect((await manager.call("kitchen-sink", "nothing")).status).toBe(204);
    } finally {
      await manager.close();
    }
  });
});
