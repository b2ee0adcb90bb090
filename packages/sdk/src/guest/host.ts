/**
 * Typed host functions (docs/host-functions.md). Each needs the permission listed there and
 * throws a HostError (PermissionDeniedError, InvalidArgumentError, ...) when the host refuses
 * or fails the call; logging never fails.
 */
import { hostBinding } from "./host-binding.js";

export type SqlValue = string | number | boolean | null;
export type Row = Record<string, SqlValue>;
export type LogLevel = "debug" | "info" | "warn" | "error";

export interface ExecResult {
  rowsAffected: number;
  /** `null` when the statement inserted nothing or the database does not report it; a string beyond ±2^53. */
  lastInsertId: number | string | null;
}

export interface HttpResult {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The body as text; `""` when it was not UTF-8 (then `bodyBase64` holds it). */
  body: string;
  bodyBase64: string;
  /** A header by any case of its name, or `""`. */
  header(name: string): string;
}

export interface EmailAttachment {
  filename: string;
  content_type: string;
  content_base64: string;
}

export interface EmailResult {
  id: string;
}

export interface JobResult {
  id: string;
  /** ISO 8601, or `null` when the schedule never fires again. */
  nextRun: string | null;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The host functions, typed. */
export const host = {
  /** Runs one read-only statement with `?` placeholders; needs `db:read`. */
  dbQuery<R extends object = Row>(sql: string, args: readonly SqlValue[] = []): R[] {
    return JSON.parse(hostBinding().dbQuery(sql, JSON.stringify(args))) as R[];
  },

  /** Runs one INSERT, UPDATE, DELETE or REPLACE on the plugin's tables; needs `db:write`. */
  dbExec(sql: string, args: readonly SqlValue[] = []): ExecResult {
    const res = JSON.parse(hostBinding().dbExec(sql, JSON.stringify(args))) as { rows_affected: number; last_insert_id: number | string | null };
    return { rowsAffected: res.rows_affected, lastInsertId: res.last_insert_id ?? null };
  },

  /** The cached text for `key`, or `null` on a miss; needs `cache:read`. */
  cacheGet(key: string): string | null {
    const bytes = hostBinding().cacheGet(key);
    return bytes === null ? null : decoder.decode(bytes);
  },

  /** The cached bytes for `key`, or `null` on a miss; needs `cache:read`. */
  cacheGetBytes(key: string): Uint8Array | null {
    return hostBinding().cacheGet(key);
  },

  /** Stores a value for `ttlSeconds` (0: no expiry); needs `cache:write`. */
  cacheSet(key: string, value: string | Uint8Array, ttlSeconds = 0): void {
    hostBinding().cacheSet(key, typeof value === "string" ? encoder.encode(value) : value, ttlSeconds);
  },

  /** Removes a value (no error when it does not exist); needs `cache:write`. */
  cacheDelete(key: string): void {
    hostBinding().cacheDelete(key);
  },

  /** Makes an outbound request to an allowed host; needs `http:external`. */
  httpRequest(method: string, url: string, headers: Record<string, string> | null = null, body = ""): HttpResult {
    const res = JSON.parse(hostBinding().httpRequest(method, url, headers === null ? "" : JSON.stringify(headers), body)) as {
      status: number;
      headers?: Record<string, string>;
      body?: string;
      body_base64?: string;
    };
    const resHeaders = res.headers ?? {};
    return {
      status: res.status,
      headers: resHeaders,
      body: res.body ?? "",
      bodyBase64: res.body_base64 ?? "",
      header: (name) => resHeaders[name.toLowerCase()] ?? "",
    };
  },

  /** Sends an email (plain text, or HTML when the body starts with `<!doctype html` or `<html`); needs `email:send`. */
  sendEmail(to: string | readonly string[], subject: string, body: string, attachments: readonly EmailAttachment[] | null = null): EmailResult {
    const recipients = typeof to === "string" ? to : JSON.stringify(to);
    return JSON.parse(hostBinding().sendEmail(recipients, subject, body, attachments === null ? "" : JSON.stringify(attachments))) as EmailResult;
  },

  /** Runs `handler` on a cron schedule with `payload` as `job.payload`; needs `jobs:schedule`. */
  scheduleJob(cron: string, handler: string, payload: unknown = null): JobResult {
    const res = JSON.parse(hostBinding().scheduleJob(cron, handler, payload === null ? "" : JSON.stringify(payload))) as { id: string; next_run: string | null };
    return { id: res.id, nextRun: res.next_run ?? null };
  },

  /** Writes a structured log line; always allowed, never fails. */
  log(level: LogLevel, message: string, fields: Record<string, unknown> | null = null): void {
    hostBinding().log(level, message, fields === null ? "" : JSON.stringify(fields));
  },

  debug(message: string, fields: Record<string, unknown> | null = null): void {
    host.log("debug", message, fields);
  },

  info(message: string, fields: Record<string, unknown> | null = null): void {
    host.log("info", message, fields);
  },

  warn(message: string, fields: Record<string, unknown> | null = null): void {
    host.log("warn", message, fields);
  },

  error(message: string, fields: Record<string, unknown> | null = null): void {
    host.log("error", message, fields);
  },
};
