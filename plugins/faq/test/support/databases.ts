import { randomBytes } from "node:crypto";
import { MysqlDatabase, PostgresDatabase, servicesFromConfig, type HostOptions } from "@goatkit/host";

/**
 * The databases the search-order test runs on: always the embedded SQLite; PostgreSQL and
 * MySQL/MariaDB when GOATKIT_TEST_POSTGRES_URL / GOATKIT_TEST_MYSQL_URL are set. Each run works
 * in a schema (PostgreSQL) or database (MySQL) of its own and drops it afterwards.
 */
export interface TestDatabase {
  name: string;
  /** Why the database is skipped, or null when it runs. */
  skipReason: string | null;
  /** A fresh, empty database (undefined: the host's embedded SQLite) and how to remove it once the host is closed. */
  open(): Promise<{ database: HostOptions["database"]; drop(): Promise<void> }>;
}

const POSTGRES_URL = process.env.GOATKIT_TEST_POSTGRES_URL || undefined;
const MYSQL_URL = process.env.GOATKIT_TEST_MYSQL_URL || undefined;
const uniqueName = () => `faq_test_${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;

export const TEST_DATABASES: TestDatabase[] = [
  {
    name: "SQLite",
    skipReason: null,
    open: async () => ({ database: undefined, drop: async () => {} }),
  },
  {
    name: "PostgreSQL",
    skipReason: POSTGRES_URL ? null : "set GOATKIT_TEST_POSTGRES_URL to run it (e.g. GOATKIT_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test)",
    async open() {
      const schema = uniqueName();
      await onServer(PostgresDatabase.connect({ url: POSTGRES_URL! }), `CREATE SCHEMA ${schema}`);
      const { database } = await servicesFromConfig({ database: { url: POSTGRES_URL!, schema } });
      return {
        database,
        drop: () => onServer(PostgresDatabase.connect({ url: POSTGRES_URL! }), `DROP SCHEMA IF EXISTS ${schema} CASCADE`),
      };
    },
  },
  {
    name: "MySQL/MariaDB",
    skipReason: MYSQL_URL ? null : "set GOATKIT_TEST_MYSQL_URL to run it (e.g. GOATKIT_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306/test)",
    async open() {
      const name = uniqueName();
      await onServer(MysqlDatabase.connect({ url: MYSQL_URL! }), `CREATE DATABASE ${name} CHARACTER SET utf8mb4`);
      const url = new URL(MYSQL_URL!);
      url.pathname = `/${name}`;
      const { database } = await servicesFromConfig({ database: { url: url.toString() } });
      return {
        database,
        drop: () => onServer(MysqlDatabase.connect({ url: MYSQL_URL! }), `DROP DATABASE IF EXISTS ${name}`),
      };
    },
  },
];

async function onServer(connecting: Promise<PostgresDatabase | MysqlDatabase>, sql: string): Promise<void> {
  const db = await connecting;
  try {
    await db.migrate(sql);
  } finally {
    await db.close();
  }
}
