import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createHost, DEFAULT_LIMIT_CEILINGS, generateKeyPair, packPlugin, PackageSource, parseServicesConfig, PluginManager, servicesFromConfig, type Host } from "../../src/index.js";
import { manifest, pluginsDir, writePlugin } from "./support/platform.js";
import { watPlugin } from "./support/wat-plugin.js";

const answer = (name: string) => watPlugin(name, "1.0.0", { hello: { text: `hello from ${name}` } });

let plugins: Awaited<ReturnType<typeof pluginsDir>>;
const hosts: Host[] = [];
const host = async (options: Parameters<typeof createHost>[0] = {}) => {
  const made = await createHost({ database: { demo: false }, platformState: false, ...options });
  hosts.push(made);
  return made;
};
beforeAll(async () => {
  plugins = await pluginsDir();
});
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});
afterAll(() => plugins.remove());

// Regression: a manifest could ask for limits up to the schema's maxima (4 GiB of memory,
// 10-minute calls, 2 GiB results) and the host granted them.
describe("limit ceilings", () => {
  it("refuse a manifest asking for more than the host's ceilings, naming the limit, both figures and the fixes", async () => {
    const cases: Array<[string, Record<string, number>, string]> = [
      ["big-memory", { memory_mb: 4096 }, "limits.memory_mb 4096 MiB, above this host's ceiling of 512 MiB; lower limits.memory_mb in the plugin's manifest, or raise the ceiling with plugin_limits.memory_mb in the host config (gk start --config) or createHost({ limitCeilings: { memory_mb: 4096 } })"],
      ["slow", { timeout_ms: 600000 }, "limits.timeout_ms 600000 ms, above this host's ceiling of 60000 ms; lower limits.timeout_ms"],
      ["huge-result", { max_result_bytes: 2 ** 31 }, `limits.max_result_bytes ${2 ** 31} bytes, above this host's ceiling of ${64 * 1024 * 1024} bytes`],
      ["huge-request", { max_request_bytes: 2 ** 30 }, `limits.max_request_bytes ${2 ** 30} bytes, above this host's ceiling of ${64 * 1024 * 1024} bytes`],
    ];
    const h = await host();
    for (const [name, limits, message] of cases) {
      const dir = await writePlugin(plugins.dir, name, manifest(name, { limits }), answer(name));
      await expect(h.load(dir), name).rejects.toMatchObject({ code: "E_LOAD", message: expect.stringContaining(`plugin "${name}" asks for ${message}`) });
    }
    expect(h.plugins).toEqual([]);
  });

  it("load a plugin at the ceiling, and above the defaults when the host raises them", async () => {
    const dir = await writePlugin(plugins.dir, "hungry", manifest("hungry", { limits: { memory_mb: 1024, timeout_ms: 120000 } }), answer("hungry"));
    const atCeiling = await writePlugin(plugins.dir, "at-ceiling", manifest("at-ceiling", { limits: { ...DEFAULT_LIMIT_CEILINGS } }), answer("at-ceiling"));
    const plain = await host();
    expect((await plain.load(atCeiling)).limits).toEqual(DEFAULT_LIMIT_CEILINGS);
    const raised = await host({ limitCeilings: { memory_mb: 1024, timeout_ms: 120000 } });
    expect((await raised.load(dir)).limits).toMatchObject({ memory_mb: 1024, timeout_ms: 120000 });
    expect((await raised.call("hungry", "hello")).body).toBe("hello from hungry");
  });

  it("apply to the plugin manager's loads, with its own ceilings over the host's", async () => {
    const dir = join(plugins.dir, "managed");
    await writePlugin(dir, "wide", manifest("wide", { limits: { memory_mb: 768 } }), answer("wide"));
    const h = await host();
    const strict = await PluginManager.create({ host: h, pluginsDir: dir });
    try {
      await expect(strict.load("wide")).rejects.toThrow('plugin "wide" asks for limits.memory_mb 768 MiB, above this host\'s ceiling of 512 MiB');
      expect(strict.info("wide").status).toBe("error");
    } finally {
      await strict.close();
    }
    const lenient = await PluginManager.create({ host: h, pluginsDir: dir, limitCeilings: { memory_mb: 768 } });
    try {
      expect((await lenient.call("wide", "hello")).body).toBe("hello from wide");
    } finally {
      await lenient.close();
    }
  });

  it("come from the config file's plugin_limits", async () => {
    const config = parseServicesConfig({ plugin_limits: { memory_mb: 64 } });
    const dir = await writePlugin(plugins.dir, "mid", manifest("mid", { limits: { memory_mb: 128 } }), answer("mid"));
    const h = await host({ ...(await servicesFromConfig(config)), database: { demo: false } });
    await expect(h.load(dir)).rejects.toThrow('plugin "mid" asks for limits.memory_mb 128 MiB, above this host\'s ceiling of 64 MiB');
    expect(() => parseServicesConfig({ plugin_limits: { timeout_ms: 0 } })).toThrow("plugin_limits.timeout_ms in the services config must be a whole number of 1 or more, got 0");
    expect(() => parseServicesConfig({ plugin_limits: { memory: 1 } })).toThrow('unknown setting "plugin_limits.memory" (plugin_limits.memory in the services config); plugin_limits takes memory_mb, timeout_ms, max_request_bytes, max_result_bytes');
  });
});

describe("required signatures", () => {
  const trusted = generateKeyPair();
  const stranger = generateKeyPair();

  it("load only packages signed by a trusted key; folders, unsigned and otherwise signed packages are refused at load", async () => {
    const source = join(plugins.dir, "sources");
    for (const name of ["signed", "unsigned", "foreign"]) await writePlugin(source, name, manifest(name), answer(name));
    const packages = join(plugins.dir, "packages");
    await mkdir(packages);
    const pack = async (name: string, key?: string) => {
      const packed = await packPlugin(join(source, name), key ? { signingKey: key } : {});
      await writeFile(join(packages, packed.fileName), packed.bytes);
    };
    await pack("signed", trusted.privateKeyPem);
    await pack("unsigned");
    await pack("foreign", stranger.privateKeyPem);
    const folders = join(plugins.dir, "folders");
    await writePlugin(folders, "plain-folder", manifest("plain-folder"), answer("plain-folder"));

    const h = await host({ requireSignatures: { trustedKeys: [trusted.publicKey] } });
    // The source itself only warns: the host's requirement is what refuses.
    const manager = await PluginManager.create({ host: h, pluginsDir: folders, sources: [new PackageSource(packages, { trust: { policy: "warn", trustedKeys: [trusted.publicKey, stranger.publicKey] } })] });
    try {
      expect((await manager.call("signed", "hello")).body).toBe("hello from signed");
      const refused = async (name: string) => (await manager.load(name).then(() => "loaded", (error: Error) => error.message));
      expect(await refused("unsigned")).toBe(
        `${join(packages, "unsigned-1.0.0.zip")} is not signed; this host loads only packages signed by a trusted key (requireSignatures, packages.require_signatures in the host config). Pack and sign the plugin (gk plugin pack --key <private key>) and install the .zip from a packages folder (packages.dir), or add its publisher's public key to packages.trusted_keys`,
      );
      expect(await refused("foreign")).toContain(`foreign-1.0.0.zip is signed by key ${stranger.keyId}, which is not one of this host's trusted keys;`);
      expect(await refused("plain-folder")).toContain(`${join(folders, "plain-folder")} is not a signed package;`);
      expect((await manager.call("unsigned", "hello")).error?.code).toBe("E_LOAD");
    } finally {
      await manager.close();
    }
    await expect(h.load(join(folders, "plain-folder"))).rejects.toThrow(`${join(folders, "plain-folder")} is a plugin folder or module, which cannot be signed; this host loads only packages signed by a trusted key`);
  });

  it("come from the config file's packages section, which checks its keys", async () => {
    const config = parseServicesConfig({ packages: { require_signatures: true, trusted_keys: [trusted.publicKey] } });
    expect(await servicesFromConfig(config)).toEqual({ requireSignatures: { trustedKeys: [trusted.publicKey] } });
    expect(() => parseServicesConfig({ packages: { require_signatures: true } })).toThrow(
      "packages.require_signatures is true (packages.require_signatures in the services config) but packages.trusted_keys names no key, so no package could load; add the publishers' public keys to packages.trusted_keys (gk plugin keygen prints them)",
    );
    expect(() => parseServicesConfig({ packages: { trusted_keys: ["not-a-key"] } })).toThrow(/^packages\.trusted_keys in the services config, entry 1, is not a public key: /);
    await expect(createHost({ requireSignatures: { trustedKeys: [] } })).rejects.toThrow("requireSignatures needs at least one trusted key");
  });
});
