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

export interface DatabaseService {
  /** Dialect the adapter speaks; SQL from plugins always uses `?` placeholders. */
  readonly dialect: "sqlite" | "postgres" | "mysql";
  /** Runs one read-only statement. */
  query(sql: string, args: SqlValue[]): MaybePromise<Row[]>;
  /** Runs one statement that changes data. */
  exec(sql: string, args: SqlValue[]): MaybePromise<ExecResult>;
  /** Runs a migration script (several statements) in one transaction. */
  migrate(sql: string): MaybePromise<void>;
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
