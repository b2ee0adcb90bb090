import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryCache } from "../../src/services/memory-cache.js";
import { RedisCache } from "../../src/services/redis/redis-cache.js";
import { describeCacheContract } from "./support/cache-contract.js";
import { RUN_ID, TEST_URLS, missing, uniqueName } from "./support/test-servers.js";

/** Deletes every key of this run (plugin names in the tests carry the run id). */
async function deleteRunKeys(url: string): Promise<void> {
  const redis = new Redis(url);
  try {
    const keys: string[] = [];
    for await (const batch of redis.scanStream({ match: `*${RUN_ID}*`, count: 500 })) keys.push(...(batch as string[]));
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    await redis.quit();
  }
}

describeCacheContract({ name: "MemoryCache", open: async () => new MemoryCache() });

const noRedis = missing("redis", "the Redis cache contract");

describeCacheContract(
  {
    name: "RedisCache",
    open: () => RedisCache.connect({ url: TEST_URLS.redis! }),
    tearDown: () => deleteRunKeys(TEST_URLS.redis!),
  },
  noRedis,
);

describe.skipIf(noRedis)("RedisCache on a shared Redis", () => {
  const url = TEST_URLS.redis!;
  const plugin = uniqueName("shared").replace(/_/g, "-");
  let hostA: RedisCache;
  let hostB: RedisCache;
  let raw: Redis;

  beforeAll(async () => {
    [hostA, hostB] = await Promise.all([RedisCache.connect({ url }), RedisCache.connect({ url })]);
    raw = new Redis(url);
  });
  afterAll(async () => {
    await Promise.all([hostA?.close(), hostB?.close(), raw?.quit()]);
    await deleteRunKeys(url);
  });

  it("stores under goatkit:cache:<plugin>:<key>, with a millisecond TTL or none", async () => {
    await hostA.set(plugin, "counts", new TextEncoder().encode("[1,2]"), 60);
    await hostA.set(plugin, "config", new TextEncoder().encode("{}"), 0);
    expect(await raw.get(`goatkit:cache:${plugin}:counts`)).toBe("[1,2]");
    const ttl = await raw.pttl(`goatkit:cache:${plugin}:counts`);
    expect(ttl).toBeGreaterThan(58_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await raw.pttl(`goatkit:cache:${plugin}:config`)).toBe(-1);
  });

  it("shares values between hosts: what one sets or deletes, the other sees", async () => {
    await hostA.set(plugin, "from-a", new TextEncoder().encode("hello"), 0);
    expect(new TextDecoder().decode((await hostB.get(plugin, "from-a"))!)).toBe("hello");
    await hostB.delete(plugin, "from-a");
    expect(await hostA.get(plugin, "from-a")).toBeNull();
  });

  it("takes another key prefix", async () => {
    const prefixed = await RedisCache.connect({ url, keyPrefix: `goatkit:test:${RUN_ID}:` });
    try {
      await prefixed.set(plugin, "k", new TextEncoder().encode("v"), 0);
      expect(await raw.get(`goatkit:test:${RUN_ID}:${plugin}:k`)).toBe("v");
    } finally {
      await prefixed.close();
    }
  });
});
