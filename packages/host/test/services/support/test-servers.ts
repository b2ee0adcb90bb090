import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import pg from "pg";

/**
 * The real servers the service tests run against, named by environment variables; each run
 * works in its own PostgreSQL schema, MySQL database and Redis key space, so parallel runs on
 * one server do not collide, and removes them afterwards.
 */
export const TEST_URLS = {
  postgres: process.env.GOATKIT_TEST_POSTGRES_URL || undefined,
  mysql: process.env.GOATKIT_TEST_MYSQL_URL || undefined,
  redis: process.env.GOATKIT_TEST_REDIS_URL || undefined,
};

const EXAMPLES = {
  postgres: ["GOATKIT_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"],
  mysql: ["GOATKIT_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test"],
  redis: ["GOATKIT_TEST_REDIS_URL", "redis://127.0.0.1:6379"],
} as const;

/** True when the server's URL is missing; then says on the console which variable enables the tests. */
export function missing(server: keyof typeof TEST_URLS, what: string): boolean {
  if (TEST_URLS[server]) return false;
  const [variable, example] = EXAMPLES[server];
  console.log(`skipping ${what}: set ${variable} to run it (e.g. ${variable}=${example})`);
  return true;
}

/** Lower-case and short, so it fits in identifiers: `<run>_<n>`. */
export const RUN_ID = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
let sequence = 0;
export const uniqueName = (prefix: string) => `${prefix}_${RUN_ID}_${++sequence}`;

/** A fresh PostgreSQL schema for one suite. */
export async function createPostgresSchema(url: string): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = uniqueName("goatkit_test");
  await withPgClient(url, (c) => c.query(`CREATE SCHEMA ${schema}`));
  return { schema, drop: () => withPgClient(url, (c) => dropPostgresSchema(c, schema)) };
}

/**
 * Drops the schema and the plugin roles the adapter created beside it (and their schemas):
 * roles are cluster-wide, so the server would otherwise keep one per plugin per test run. They
 * are the `gk_` roles granted USAGE on this schema.
 */
async function dropPostgresSchema(client: pg.Client, schema: string): Promise<void> {
  const roles = await client.query<{ role: string }>(
    `SELECT DISTINCT r.rolname AS role FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) a JOIN pg_roles r ON r.oid = a.grantee
      WHERE n.nspname = $1 AND r.rolname LIKE 'gk\\_%'`,
    [schema],
  );
  for (const { role } of roles.rows) {
    // DROP OWNED drops the role's schema and tables and revokes what it was granted here.
    await client.query(`DROP OWNED BY "${role}" CASCADE`);
    await client.query(`DROP ROLE IF EXISTS "${role}"`);
  }
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}

async function withPgClient<T>(url: string, body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh MySQL/MariaDB database for one suite, and its URL. `drop()` also removes what the
 * adapter made for plugins there: their databases (`<database>__<plugin>`) and accounts.
 */
export async function createMysqlDatabase(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const database = uniqueName("goatkit_test");
  const withConnection = async <T>(body: (conn: mysql.Connection) => Promise<T>) => {
    const conn = await mysql.createConnection(url);
    try {
      return await body(conn);
    } finally {
      await conn.end();
    }
  };
  await withConnection((c) => c.query(`CREATE DATABASE ${database} CHARACTER SET utf8mb4`));
  const own = new URL(url);
  own.pathname = `/${database}`;
  const drop = () =>
    withConnection(async (c) => {
      const [schemas] = await c.query("SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?", [`${database.replace(/_/g, "\\_")}\\_\\_%`]);
      const names = (schemas as { name: string }[]).map((r) => r.name);
      if (names.length > 0) {
        // GRANT ... ON db.* keeps the name with its `_` escaped.
        const [accounts] = await c.query("SELECT DISTINCT User AS user, Host AS host FROM mysql.db WHERE REPLACE(Db, '\\\\', '') IN (?)", [names]);
        for (const { user, host } of accounts as { user: string; host: string }[]) await c.query("DROP USER IF EXISTS ?@?", [user, host]);
        for (const name of names) await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      }
      await c.query(`DROP DATABASE IF EXISTS ${database}`);
    });
  return { url: own.toString(), drop };
}
