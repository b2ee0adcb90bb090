import { MysqlDatabase } from "../../src/services/mysql/mysql-database.js";
import { PostgresDatabase } from "../../src/services/postgres/postgres-database.js";
import { SqliteDatabase } from "../../src/services/database/sqlite-database.js";
import { describeDatabaseContract } from "./support/database-contract.js";
import { TEST_URLS, createMysqlDatabase, createPostgresSchema, missing } from "./support/test-servers.js";

describeDatabaseContract({
  name: "SQLite",
  async setUp() {
    return { open: async () => new SqliteDatabase(":memory:"), tearDown: async () => {} };
  },
  booleans: "integers",
  transactionalDdl: true,
  autoId: "id INTEGER PRIMARY KEY",
});

describeDatabaseContract(
  {
    name: "PostgreSQL",
    async setUp() {
      const url = TEST_URLS.postgres!;
      const { schema, drop } = await createPostgresSchema(url);
      return {
        open: (options) => PostgresDatabase.connect({ url, schema, poolSize: 3, ...options }),
        tearDown: drop,
      };
    },
    booleans: "native",
    transactionalDdl: true,
    sleep: (seconds) => `SELECT pg_sleep(${seconds}) AS slept`,
    autoId: "id SERIAL PRIMARY KEY",
  },
  missing("postgres", "the PostgreSQL adapter contract"),
);

describeDatabaseContract(
  {
    name: "MySQL/MariaDB",
    async setUp() {
      const { url, drop } = await createMysqlDatabase(TEST_URLS.mysql!);
      return {
        open: (options) => MysqlDatabase.connect({ url, poolSize: 3, ...options }),
        tearDown: drop,
      };
    },
    booleans: "native",
    transactionalDdl: false,
    sleep: (seconds) => `SELECT SLEEP(${seconds}) AS slept`,
    autoId: "id INTEGER PRIMARY KEY AUTO_INCREMENT",
  },
  missing("mysql", "the MySQL/MariaDB adapter contract"),
);
