/**
 * One interface per host-function family. The embedded defaults implement them in-process;
 * production adapters (PostgreSQL, MySQL, Redis, SMTP) implement the same interfaces.
 * Methods may return a promise: the sandboxed runtime awaits them, while the in-process
 * runtime needs synchronous answers and says so when it gets a promise.
 */

export type MaybePromise<T> = T | Promise<T>;

export type SqlValue = string | number | boolean | null;
export type Row = Record<string, SqlValue>;

export interface ExecResult {
  rows_affected: number;
  last_insert_id: number | string | null;
}

/**
 * What one plugin may do in the database, from its manifest's permissions alone (never from
 * its SQL). The database enforces it: a role per plugin on PostgreSQL, an account per plugin on
 * MySQL/MariaDB, SQLite's own compiled program on SQLite (docs/services.md "Plugin identities").
 */
export interface PluginDbIdentity {
  /** The plugin's name (manifest `name`). */
  plugin: string;
  /** `db:read`: the core's tables may be read. The plugin's own tables always may. */
  readCore: boolean;
  /** Core tables granted one by one with `db:write:<table>`, lower case. */
  writeCore: readonly string[];
}

/**
 * The database as one plugin sees it: every statement runs with that plugin's privileges, so the
 * database itself refuses what the plugin was not granted (DatabasePermissionError).
 */
export interface PluginDatabase {
  readonly identity: PluginDbIdentity;
  /** Runs one read-only statement as the plugin. */
  query(sql: string, args: SqlValue[]): MaybePromise<Row[]>;
  /** Runs one statement that changes data, as the plugin. */
  exec(sql: string, args: SqlValue[]): MaybePromise<ExecResult>;
  /**
   * Runs one migration script as the plugin (it creates and changes only the plugin's own
   * tables), then `ledger` (the host's record that it ran) as the host: in one transaction where
   * the database allows it.
   */
  migrate(sql: string, ledger: { sql: string; args: SqlValue[] }): MaybePromise<void>;
}

export interface DatabaseService {
  /** Dialect the adapter speaks; SQL from plugins always uses `?` placeholders. */
  readonly dialect: "sqlite" | "postgres" | "mysql";
  /** Runs one read-only statement with the host's own privileges. */
  query(sql: string, args: SqlValue[]): MaybePromise<Row[]>;
  /** Runs one statement that changes data, with the host's own privileges. */
  exec(sql: string, args: SqlValue[]): MaybePromise<ExecResult>;
  /** Runs a migration script of the host's (several statements) in one transaction. */
  migrate(sql: string): MaybePromise<void>;
  /**
   * Sets up the plugin's identity in the database (its role, schema or account and their
   * grants, brought in line with `identity` on every load) and returns the plugin's view.
   */
  forPlugin(identity: PluginDbIdentity): Promise<PluginDatabase>;
  /**
   * How the host's own connection names a plugin's table (plugins' tables live in a schema or
   * database of their own on PostgreSQL and MySQL): for the host's tools and tests.
   */
  pluginTable(plugin: string, table: string): string;
  /**
   * Runs `body` holding a lock that every host on this database shares (PostgreSQL advisory
   * lock, MySQL `GET_LOCK`), so hosts starting together apply a migration once. SQLite, which
   * one host owns, has none: callers then just run `body`.
   */
  withLock?<T>(name: string, body: () => Promise<T>): Promise<T>;
  close(): MaybePromise<void>;
}

export interface CacheService {
  get(namespace: string, key: string): MaybePromise<Uint8Array | null>;
  /** `ttlSeconds` 0 means no expiry. */
  set(namespace: string, key: string, value: Uint8Array, ttlSeconds: number): MaybePromise<void>;
  delete(namespace: string, key: string): MaybePromise<void>;
  close(): MaybePromise<void>;
  /**
   * A cache held in this process may offer plugin workers a shared buffer to read a namespace's
   * hits from (cache-mirror.ts), kept in step with every change; a cache elsewhere (Redis) has none.
   */
  sharedReads?(namespace: string): SharedArrayBuffer;
}

export interface EmailAttachment {
  filename: string;
  content_type: string;
  content_base64: string;
}

export interface OutgoingEmail {
  from: string;
  to: string[];
  subject: string;
  text?: string;
  html?: string;
  attachments: EmailAttachment[];
}

export interface MailService {
  send(plugin: string, message: OutgoingEmail): MaybePromise<{ id: string }>;
  close(): MaybePromise<void>;
}

export interface HttpRequestSpec {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface HttpResponseSpec {
  status: number;
  headers: Record<string, string>;
  body?: string;
  body_base64?: string;
}

/**
 * What a plugin may reach, asked for the first URL and for every redirect: refused with a
 * reason, or allowed (and whether the host may be a private-network address).
 */
export type HttpPolicy = (url: URL) => { denied: string } | { allowPrivate: boolean };

export interface HttpService {
  request(spec: HttpRequestSpec, policy: HttpPolicy): MaybePromise<HttpResponseSpec>;
  /** The same, blocking the calling thread: only for in-process plugins, whose host calls must answer at once. */
  requestSync?(spec: HttpRequestSpec, policy: HttpPolicy): HttpResponseSpec;
  close(): MaybePromise<void>;
}
