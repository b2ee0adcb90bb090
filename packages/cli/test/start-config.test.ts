import { execFile, spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKeyPair, packPlugin } from "@goatkit/host";
import { gk, kitchenSink } from "./support.js";

const exec = promisify(execFile);

/** `gk start` with only the given GOATKIT_* variables; resolves once it exits (on a start-up error). */
async function start(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("GOATKIT_")));
  try {
    await exec("node", ["--no-warnings", gk, "start", ...args], { env: { ...clean, ...env }, timeout: 30_000 });
    return { code: 0, stderr: "" };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

describe("gk start --config", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "goatkit-start-config-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("names a wrong setting of the file, where it is, and what the section takes", async () => {
    const file = join(dir, "bad.json");
    await writeFile(file, JSON.stringify({ cluster: { hostid: "web-1" } }));
    expect(await start([kitchenSink, "--port", "0", "--config", file])).toEqual({
      code: 1,
      stderr: `gk: unknown setting "cluster.hostid" (cluster.hostid in ${file}); cluster takes enabled, host_id, key_prefix, lease_ttl_ms, heartbeat_ms\n`,
    });
  });

  it("refuses a cluster without a Redis, naming both places to set one", async () => {
    const file = join(dir, "lonely.yaml");
    await writeFile(file, "cluster:\n  enabled: true\n");
    expect(await start([kitchenSink, "--port", "0", "--config", file, "--db", ":memory:"])).toEqual({
      code: 1,
      stderr: `gk: cluster.enabled is true (cluster.enabled in ${file}) but no Redis is configured; set GOATKIT_REDIS_URL or cache.url (the Redis every host shares)\n`,
    });
  });

  it("says which server it cannot reach, and the setting to fix", async () => {
    const file = join(dir, "away.yaml");
    await writeFile(file, "database:\n  url: postgres://goatkit:secret@127.0.0.1:1/goatflow\n");
    const { code, stderr } = await start([kitchenSink, "--port", "0", "--config", file]);
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`^gk: cannot connect to PostgreSQL at postgres://goatkit:\\*\\*\\*@127\\.0\\.0\\.1:1/goatflow \\(set by database\\.url in ${file.replace(/[.]/g, "\\.")}\\): .*ECONNREFUSED`));
  });

  it("refuses a --pool-size above plugins.max_pool_size, naming both settings", async () => {
    const file = join(dir, "pool.yaml");
    await writeFile(file, "plugins:\n  max_pool_size: 2\n");
    expect(await start([kitchenSink, "--port", "0", "--config", file, "--db", ":memory:", "--pool-size", "3"])).toEqual({
      code: 1,
      stderr: "gk: the pool size of 3 instances per plugin (poolSize, plugins.pool_size) is above the ceiling of 2 (maxPoolSize, plugins.max_pool_size)\n",
    });
    expect(await start([kitchenSink, "--port", "0", "--pool-size", "many"])).toEqual({ code: 2, stderr: 'gk: --pool-size must be "auto" or a whole number of 1 or more, not "many"\n' });
  });

  /** The kitchen-sink fixture (manifest and module) in a folder of its own, its manifest changed by `change`. */
  async function kitchenSinkCopy(name: string, change: (manifest: Record<string, unknown>) => void = () => undefined): Promise<string> {
    const folder = join(dir, name, "kitchen-sink");
    await mkdir(join(folder, "build"), { recursive: true });
    await cp(join(kitchenSink, "build", "plugin.wasm"), join(folder, "build", "plugin.wasm"));
    const manifest = JSON.parse(await readFile(join(kitchenSink, "manifest.json"), "utf8")) as Record<string, unknown>;
    change(manifest);
    await writeFile(join(folder, "manifest.json"), JSON.stringify(manifest));
    return folder;
  }

  it("refuses a plugin whose manifest asks for more than plugin_limits, naming the ceiling and the key", async () => {
    const folder = await kitchenSinkCopy("greedy", (m) => (m.limits = { memory_mb: 128 }));
    const file = join(dir, "limits.yaml");
    await writeFile(file, "plugin_limits:\n  memory_mb: 64\n");
    expect(await start([folder, "--port", "0", "--config", file, "--db", ":memory:"])).toEqual({
      code: 1,
      stderr: `gk: plugin "kitchen-sink" asks for limits.memory_mb 128 MiB, above this host's ceiling of 64 MiB; lower limits.memory_mb in the plugin's manifest, or raise the ceiling with plugin_limits.memory_mb in the host config (gk start --config) or createHost({ limitCeilings: { memory_mb: 128 } })\n`,
    });
  });

  it("with packages.require_signatures, refuses a plugin folder and serves the signed packages of packages.dir", async () => {
    const keys = generateKeyPair();
    const file = join(dir, "signed.yaml");
    const packages = join(dir, "packages");
    await mkdir(packages);
    await writeFile(file, `packages:\n  dir: ${packages}\n  require_signatures: true\n  trusted_keys: ["${keys.publicKey}"]\n`);
    expect(await start([kitchenSink, "--port", "0", "--config", file, "--db", ":memory:"])).toEqual({
      code: 1,
      stderr: `gk: ${kitchenSink} is a plugin folder or module, which cannot be signed; this host loads only packages signed by a trusted key (requireSignatures, packages.require_signatures in the host config). Pack and sign the plugin (gk plugin pack --key <private key>) and install the .zip from a packages folder (packages.dir), or add its publisher's public key to packages.trusted_keys\n`,
    });

    const packed = await packPlugin(await kitchenSinkCopy("to-sign"), { signingKey: keys.privateKeyPem });
    await writeFile(join(packages, packed.fileName), packed.bytes);
    const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("GOATKIT_")));
    const child = spawn("node", ["--no-warnings", gk, "start", "--json", "--port", "0", "--config", file, "--db", ":memory:"], { env: clean });
    try {
      const ready = await new Promise<{ url: string; plugins: unknown }>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          for (const line of out.split("\n")) if (line.includes('"event":"ready"')) resolve(JSON.parse(line) as { url: string; plugins: unknown });
        });
        child.on("exit", (code) => reject(new Error(`gk start exited with ${code}: ${out}`)));
      });
      expect(ready.plugins).toEqual([{ name: "kitchen-sink", status: "discovered" }]);
      const res = await fetch(`${ready.url}/api/plugins/kitchen-sink/echo/7?page=3`);
      expect(res.status).toBe(200);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
