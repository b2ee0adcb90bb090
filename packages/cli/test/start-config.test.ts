import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
});
