import { messageOf } from "../errors.js";
import { Redis } from "ioredis";
import { ServiceConnectionError } from "../services/connection-error.js";

/**
 * Opens a Redis connection for the cluster and checks that Redis answers, failing at start-up
 * with the URL's origin named. `subscriber` connections carry pub/sub only: no command time-out,
 * and ioredis subscribes them again after a reconnect.
 */
export async function connectRedis(url: string, origin: string, role: "commands" | "subscriber"): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    ...(role === "commands" ? { commandTimeout: 2000 } : {}),
    // While Redis is away a command fails after one reconnect attempt instead of queueing forever.
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    connectionName: `goatkit-cluster-${role}`,
  });
  // Without a listener ioredis reports every reconnect failure on stderr; callers see failed commands.
  redis.on("error", () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new ServiceConnectionError("Redis", url, origin, messageOf(error), `start Redis or fix ${origin}`, { cause: error });
  }
  return redis;
}

/** Runs a Lua script by its SHA, loading it on first use (or after Redis restarted). */
export class RedisScript {
  #sha: string | null = null;

  constructor(
    readonly name: string,
    readonly lua: string,
  ) {}

  async run(redis: Redis, keys: string[], args: Array<string | number>): Promise<unknown> {
    if (this.#sha) {
      try {
        return await redis.evalsha(this.#sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!/NOSCRIPT/.test(messageOf(error))) throw error;
      }
    }
    this.#sha = (await redis.script("LOAD", this.lua)) as string;
    return redis.evalsha(this.#sha, keys.length, ...keys, ...args);
  }
}
