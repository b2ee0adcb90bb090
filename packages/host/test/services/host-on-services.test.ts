import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost, type Host } from "../../src/index.js";
import { servicesFromEnv } from "../../src/services/from-config.js";
import { pluginDir, watFile } from "../support/plugin-dir.js";
import { RUN_ID, TEST_URLS, createMysqlDatabase, createPostgresSchema, missing } from "./support/test-servers.js";

// The seed tutorial's plugin, unchanged, on a host configured the way operators configure it:
// a config file for the demo data, environment variables for the servers.
const manifest = JSON.parse(await readFile(new URL("../fixtures/wat/ticket-counter.manifest.json", import.meta.url), "utf8"));
const wasm = await watFile("ticket-counter.wat");
const demo = { seed: 42, tickets: 500, days: 60, anchor_day: "2026-06-30" };
const keyPrefix = `goatkit:test:${RUN_ID}:`;

let plugin: Awaited<ReturnType<typeof pluginDir>>;
let configFile: string;
let reference: string;

beforeAll(async () => {
  plugin = await pluginDir(manifest, wasm);
  configFile = join(plugin.dir, "goatkit.json");
  await writeFile(configFile, JSON.stringify({ database: { demo } }));
  // The answer on the embedded SQLite database is the reference.
  reference = await countsOn({ GOATKIT_DB_URL: "sqlite::memory:" });
});
afterAll(async () => {
  await plugin?.cleanup();
  if (TEST_URLS.redis) {
    const redis = new Redis(TEST_URLS.redis);
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
});

async function countsOn(env: Record<string, string>, check?: (host: Host) => Promise<void>): Promise<string> {
  const host = await createHost({ ...(await servicesFromEnv({ GOATKIT_CONFIG: configFile, ...env })) });
  try {
    await host.load(plugin.dir);
    const res = await host.call("ticket-counter", "get_counts", { kind: "route", method: "GET", path: "/api/plugins/ticket-counter/counts" });
    expect(res.status).toBe(200);
    await check?.(host);
    return String(res.body);
  } finally {
    await host.close();
  }
}

const redisEnv = (): Record<string, string> => (TEST_URLS.redis ? { GOATKIT_REDIS_URL: TEST_URLS.redis, GOATKIT_REDIS_KEY_PREFIX: keyPrefix } : {});

describe("the tutorial's ticket-counter plugin on production services", () => {
  it("answers on SQLite with every state", () => {
    expect(JSON.parse(reference)).toHaveLength(5);
  });

  it.skipIf(missing("postgres", "the ticket-counter plugin on PostgreSQL"))("answers the same on PostgreSQL (and Redis when set)", async () => {
    const { schema, drop } = await createPostgresSchema(TEST_URLS.postgres!);
    try {
      const body = await countsOn({ GOATKIT_DB_URL: TEST_URLS.postgres!, GOATKIT_DB_SCHEMA: schema, ...redisEnv() }, async (host) => {
        expect(host.services.db.dialect).toBe("postgres");
      });
      expect(body).toBe(reference);
    } finally {
      await drop();
    }
  });

  it.skipIf(missing("mysql", "the ticket-counter plugin on MySQL/MariaDB"))("answers the same on MySQL/MariaDB (and Redis when set)", async () => {
    const { url, drop } = await createMysqlDatabase(TEST_URLS.mysql!);
    try {
      const body = await countsOn({ GOATKIT_DB_URL: url, ...redisEnv() }, async (host) => {
        expect(host.services.db.dialect).toBe("mysql");
      });
      expect(body).toBe(reference);
    } finally {
      await drop();
    }
  });

  it.skipIf(missing("redis", "the ticket-counter plugin's cache on Redis"))("keeps the plugin's cache entry in Redis under its namespace, for 60 s", async () => {
    const redis = new Redis(TEST_URLS.redis!);
    try {
      await countsOn({ GOATKIT_DB_URL: "sqlite::memory:", ...redisEnv() });
      expect(await redis.get(`${keyPrefix}ticket-counter:ticket_counts`)).toBe(reference);
      expect(await redis.pttl(`${keyPrefix}ticket-counter:ticket_counts`)).toBeGreaterThan(55_000);
    } finally {
      await redis.quit();
    }
  });
});
