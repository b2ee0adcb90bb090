import { Redis } from "ioredis";
import { RUN_ID, TEST_URLS, missing } from "../../services/support/test-servers.js";

export { TEST_URLS, createPostgresSchema, createMysqlDatabase, uniqueName } from "../../services/support/test-servers.js";

/** True (after saying which variables enable them) when the cluster tests cannot run here. */
export function clusterServersMissing(what: string, servers: Array<"redis" | "postgres"> = ["redis", "postgres"]): boolean {
  // Every missing variable is named, not only the first.
  return servers.map((server) => missing(server, what)).some(Boolean);
}

let sequence = 0;

/** A Redis key space of its own for one test (cluster keys and cache keys under it); `drop` deletes it. */
export function redisKeySpace(): { prefix: string; drop(): Promise<void> } {
  const prefix = `goatkit:test:${RUN_ID}:${++sequence}:`;
  return {
    prefix,
    async drop() {
      const redis = new Redis(TEST_URLS.redis!);
      try {
        let cursor = "0";
        do {
          const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
          if (keys.length > 0) await redis.del(...keys);
          cursor = next;
        } while (cursor !== "0");
      } finally {
        await redis.quit();
      }
    },
  };
}
