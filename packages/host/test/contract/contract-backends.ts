import { MysqlDatabase, PostgresDatabase, RedisCache, type HostOptions } from "../../src/index.js";
import { createMysqlDatabase, createPostgresSchema, TEST_URLS, uniqueName } from "../services/support/test-servers.js";

/** Where a contract run keeps its data: the embedded defaults, or real servers. */
export interface ContractBackend {
  name: string;
  /** Host options for one fresh, seeded store (the demo help desk), and how to remove it. */
  create(demo: { tickets: number; anchorDay?: string }): Promise<{ options: Pick<HostOptions, "database" | "cache">; drop(): Promise<void> }>;
  /** Whether cache TTLs follow the host's clock (Redis keeps its own time). */
  ttlFollowsHostClock: boolean;
}

export const EMBEDDED: ContractBackend = {
  name: "SQLite + memory cache",
  create: async (demo) => ({ options: { database: { demo } }, drop: async () => {} }),
  ttlFollowsHostClock: true,
};

async function redis(): Promise<RedisCache> {
  return RedisCache.connect({ url: TEST_URLS.redis!, keyPrefix: `${uniqueName("goatkit_test")}:` });
}

export const POSTGRES_REDIS: ContractBackend = {
  name: "PostgreSQL + Redis",
  async create(demo) {
    const { schema, drop } = await createPostgresSchema(TEST_URLS.postgres!);
    const db = await PostgresDatabase.connect({ url: TEST_URLS.postgres!, schema });
    await db.seedDemo(demo);
    const cache = await redis();
    return { options: { database: db, cache }, drop: async () => drop() };
  },
  ttlFollowsHostClock: false,
};

export const MYSQL_REDIS: ContractBackend = {
  name: "MariaDB/MySQL + Redis",
  async create(demo) {
    const { url, drop } = await createMysqlDatabase(TEST_URLS.mysql!);
    const db = await MysqlDatabase.connect({ url });
    await db.seedDemo(demo);
    const cache = await redis();
    return { options: { database: db, cache }, drop: async () => drop() };
  },
  ttlFollowsHostClock: false,
};
