import { messageOf } from "../../errors.js";
import { Redis } from "ioredis";
import type { CacheService } from "../types.js";
import { ServiceConnectionError, isNetworkError, redactUrl } from "../connection-error.js";

export interface RedisCacheOptions {
  /** `redis://[:password@]host:6379[/db]`, or `rediss://` for TLS. */
  url: string;
  /** Put before `<plugin>:<key>`. Default `goatkit:cache:`. */
  keyPrefix?: string;
  /** How long one command may wait for Redis, in ms. Default 2000. */
  commandTimeoutMs?: number;
  /** Where the URL was configured, named in connection errors. */
  origin?: string;
}

/**
 * The cache on Redis, shared by every host that points at it. Each plugin's keys live under
 * `goatkit:cache:<plugin>:<key>` (plugin names cannot contain `:`, so namespaces never overlap);
 * values are bytes, kept exactly; a TTL becomes a millisecond expiry, 0 none.
 */
export class RedisCache implements CacheService {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #url: string;
  readonly #origin: string;
  #lastError: unknown;

  constructor(options: RedisCacheOptions) {
    this.#url = options.url;
    this.#origin = options.origin ?? "the url option";
    this.#prefix = options.keyPrefix ?? "goatkit:cache:";
    this.#redis = new Redis(options.url, {
      lazyConnect: true,
      commandTimeout: options.commandTimeoutMs ?? 2000,
      // While Redis is away, a call fails after one reconnect attempt instead of queueing forever.
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
    // Without a listener ioredis reports every reconnect failure on stderr.
    this.#redis.on("error", (error) => {
      this.#lastError = error;
    });
  }

  /** Connects and checks that Redis answers; fails at once rather than retrying. */
  static async connect(options: RedisCacheOptions): Promise<RedisCache> {
    const cache = new RedisCache(options);
    try {
      await cache.#redis.connect();
      await cache.#redis.ping();
    } catch (error) {
      cache.#redis.disconnect();
      throw cache.#explain(error);
    }
    return cache;
  }

  /** The URL without its password, for logs and the dashboard. */
  get url(): string {
    return redactUrl(this.#url);
  }

  /** The Redis key of a plugin's cache key. */
  keyOf(namespace: string, key: string): string {
    return `${this.#prefix}${namespace}:${key}`;
  }

  async get(namespace: string, key: string): Promise<Uint8Array | null> {
    return this.#call(() => this.#redis.getBuffer(this.keyOf(namespace, key)));
  }

  async set(namespace: string, key: string, value: Uint8Array, ttlSeconds: number): Promise<void> {
    const redisKey = this.keyOf(namespace, key);
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    await this.#call(() => (ttlSeconds > 0 ? this.#redis.set(redisKey, bytes, "PX", Math.max(1, Math.round(ttlSeconds * 1000))) : this.#redis.set(redisKey, bytes)));
  }

  async delete(namespace: string, key: string): Promise<void> {
    await this.#call(() => this.#redis.del(this.keyOf(namespace, key)));
  }

  async close(): Promise<void> {
    if (this.#redis.status === "end") return;
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  async #call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw this.#explain(error);
    }
  }

  #explain(error: unknown): unknown {
    // ioredis rejects with "Connection is closed." and reports the cause as an event.
    const cause = isNetworkError(error) ? error : isNetworkError(this.#lastError) ? this.#lastError : undefined;
    if (cause !== undefined || /Connection is closed|Reached the max retries|ENOTFOUND|ECONNREFUSED/.test(messageOf(error))) {
      return new ServiceConnectionError("Redis", this.#url, this.#origin, messageOf(cause ?? error), `start Redis or fix ${this.#origin}`, { cause: cause ?? error });
    }
    if (/NOAUTH|WRONGPASS|invalid password/i.test(messageOf(error))) {
      return new ServiceConnectionError("Redis", this.#url, this.#origin, messageOf(error), `check the password in ${this.#origin}`, { cause: error });
    }
    return error;
  }
}
