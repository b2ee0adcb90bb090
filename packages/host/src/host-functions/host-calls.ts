import { messageOf } from "../errors.js";
import { LOG_LEVELS, type CapabilityPermission, type HostFunctionName, type LogLevel } from "@goatkit/sdk";
import { inspectStatement, type StatementInfo } from "../services/database/sql-statement.js";
import { PLATFORM_TABLES } from "../state/platform-schema.js";
import { HttpDeniedError, HttpLimitError } from "../services/http/fetch-http.js";
import { nextRunOf } from "../jobs/job-registry.js";
import type { EmailAttachment, ExecResult, HttpResponseSpec, MaybePromise, PluginDatabase, Row } from "../services/types.js";
import type { HostCallLimits, HostCallName, HostServices } from "./host-services.js";
import { DatabasePermissionError } from "../services/database/database-permission-error.js";
import { HostCallError, hostCallBudgetError, type ErrorEnvelope } from "./host-call-error.js";
import { isAttachment, isStringRecord, parseArgs, parseJson, parseRecipients } from "./host-call-arguments.js";
import { hostFunction, type GuestHostCalls, type HostArg } from "./host-function-table.js";
import { checkAllowedHost, type PluginGrants } from "./plugin-grants.js";

const HTTP_METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]);
const EMAIL = /^[^\s@<>,;]+@[^\s@<>,;]+\.[^\s@<>,;]+$/;
const encoder = new TextEncoder();
const MAX_EVENT_BYTES = 64 * 1024;

/** Who the calls are for; shared by every HostCalls of one plugin (one per worker). */
interface CallerIdentity {
  plugin: string;
  grants: PluginGrants;
  /** The module's exported handler names, for `schedule_job`. */
  handlers: ReadonlySet<string>;
  /** The database as this plugin: its statements run with its own privileges. Set once loaded. */
  db?: PluginDatabase;
}

/**
 * The host functions of one plugin, independent of the binding: arguments arrive decoded
 * (strings, bytes) and results leave as values; failures throw HostCallError. Bindings
 * (core ABI, component, Extism) only marshal. Results may be promises when a service is
 * asynchronous. One object serves one call at a time: concurrent calls use `fork()`.
 */
export class HostCalls implements GuestHostCalls {
  /** The envelope of the most recent host call when it failed, else null (`last_error`). */
  lastError: ErrorEnvelope | null = null;
  /** Set by in-process runners: services must answer without waiting (blocking variants). */
  synchronous = false;
  #callsThisCall = 0;
  #logsThisCall = 0;

  private constructor(
    private readonly identity: CallerIdentity,
    private readonly services: HostServices,
    private readonly limits: HostCallLimits,
  ) {}

  static create(plugin: string, grants: PluginGrants, services: HostServices, handlers: ReadonlySet<string> = new Set()): HostCalls {
    return new HostCalls({ plugin, grants, handlers }, services, services.callLimits);
  }

  get plugin(): string {
    return this.identity.plugin;
  }

  /** What a worker enforces itself: the log lines and host calls one handler call may make. */
  get workerLimits(): { maxLogsPerCall: number; maxHostCallsPerCall: number } {
    return { maxLogsPerCall: this.limits.maxLogsPerCall, maxHostCallsPerCall: this.limits.maxHostCallsPerCall };
  }

  private get grants(): PluginGrants {
    return this.identity.grants;
  }

  /** A sibling for a concurrent call: same plugin and grants, its own per-call state. */
  fork(): HostCalls {
    return new HostCalls(this.identity, this.services, this.limits);
  }

  /**
   * Sets who the calls are for once the plugin is known (a `.wasm` loaded without a manifest
   * is named by its registration, which runs first). Applies to every fork.
   */
  authorize(plugin: string, grants: PluginGrants, handlers: ReadonlySet<string>): void {
    Object.assign(this.identity, { plugin, grants, handlers });
  }

  /** Gives the calls the plugin's own database identity (after registration, before migrations). */
  useDatabase(db: PluginDatabase): void {
    this.identity.db = db;
  }

  /** Starts a handler call: `last_error` and the per-call budgets start afresh. */
  beginCall(): void {
    this.lastError = null;
    this.#callsThisCall = 0;
    this.#logsThisCall = 0;
  }

  /**
   * Runs one host function, turning any failure into a HostCallError that is also kept for
   * `last_error`. Unexpected errors from services become `E_SERVICE`.
   */
  invoke<T>(fn: HostCallName, args: Record<string, unknown>, body: () => MaybePromise<T>): MaybePromise<T> {
    const observe = this.services.onHostCall;
    const fail = (error: unknown): never => {
      const hostError = error instanceof HostCallError ? error : new HostCallError("E_SERVICE", `${fn} failed: ${messageOf(error)}`);
      this.lastError = hostError.envelope;
      observe?.({ plugin: this.plugin, fn, args, error: hostError.envelope });
      throw hostError;
    };
    const succeed = (result: T): T => {
      observe?.({ plugin: this.plugin, fn, args, result });
      return result;
    };
    // last_error speaks of the most recent call only (log and last_error itself aside).
    this.lastError = null;
    try {
      if (++this.#callsThisCall > this.limits.maxHostCallsPerCall) {
        throw hostCallBudgetError(this.limits.maxHostCallsPerCall);
      }
      const result = body();
      if (result instanceof Promise) return result.then(observe ? succeed : (r) => r, fail);
      return observe ? succeed(result) : result;
    } catch (error) {
      return fail(error);
    }
  }

  /** Runs the table's host function `fn` (host-function-table.ts) with its arguments in the row's order. */
  call(fn: HostCallName, args: readonly HostArg[]): MaybePromise<unknown> {
    const entry = hostFunction(fn);
    if (!entry) throw new HostCallError("E_INVALID_ARGUMENT", `there is no host function "${fn}"`);
    return (this[entry.method] as (...a: readonly HostArg[]) => MaybePromise<unknown>)(...args);
  }

  dbQuery(sql: string, argsJson: string): MaybePromise<Row[]> {
    return this.invoke("db_query", { sql, args: argsJson }, () => {
      this.#require("db_query", "db:read");
      const args = parseArgs("db_query", argsJson);
      const statement = inspectStatement(sql, this.services.db.dialect);
      if (statement.multiple) throw new HostCallError("E_INVALID_ARGUMENT", "db_query runs one statement; split the SQL into separate calls");
      if (statement.kind !== "read") {
        throw new HostCallError("E_INVALID_ARGUMENT", "db_query only reads (SELECT, WITH, VALUES); use db_exec to change data");
      }
      if (statement.forbiddenCall) throw new HostCallError("E_INVALID_ARGUMENT", `db_query may not call ${statement.forbiddenCall.name}: ${statement.forbiddenCall.reason}`);
      this.#refusePlatformTables("db_query", statement);
      return this.#asPlugin("db_query", (db) =>
        mapMaybePromise(db.query(sql, args), (rows) => {
          if (rows.length > this.limits.maxRows) {
            throw new HostCallError("E_LIMIT_EXCEEDED", `db_query returned ${rows.length} rows, more than ${this.limits.maxRows}; add a LIMIT`);
          }
          return rows;
        }),
      );
    });
  }

  dbExec(sql: string, argsJson: string): MaybePromise<ExecResult> {
    return this.invoke("db_exec", { sql, args: argsJson }, () => {
      this.#require("db_exec", "db:write");
      const args = parseArgs("db_exec", argsJson);
      const statement = inspectStatement(sql, this.services.db.dialect);
      if (statement.multiple) throw new HostCallError("E_INVALID_ARGUMENT", "db_exec runs one statement; split the SQL into separate calls");
      if (statement.kind === "schema") {
        throw new HostCallError("E_INVALID_ARGUMENT", "db_exec does not change the schema; put CREATE/ALTER/DROP in manifest.migrations");
      }
      // Which tables it writes is the database's to decide (a CTE, a trigger, a view can lead anywhere).
      if (statement.kind !== "write") {
        throw new HostCallError("E_INVALID_ARGUMENT", "db_exec runs INSERT, UPDATE, DELETE or REPLACE; use db_query to read");
      }
      if (statement.forbiddenCall) throw new HostCallError("E_INVALID_ARGUMENT", `db_exec may not call ${statement.forbiddenCall.name}: ${statement.forbiddenCall.reason}`);
      this.#refusePlatformTables("db_exec", statement);
      return this.#asPlugin("db_exec", (db) => db.exec(sql, args));
    });
  }

  /**
   * The shared buffer this plugin's workers may answer `cache_get` hits from, or null when every
   * call must come here: no `cache:read` grant (the host then refuses it, and logs that), a cache
   * that offers none, or an observer that must see every call.
   */
  sharedCacheReads(): SharedArrayBuffer | null {
    const cache = this.services.cache;
    if (!cache.sharedReads || this.services.onHostCall || !this.grants.capabilities.has("cache:read")) return null;
    return cache.sharedReads(this.plugin);
  }

  cacheGet(key: string): MaybePromise<Uint8Array | null> {
    return this.invoke("cache_get", { key }, () => {
      this.#require("cache_get", "cache:read");
      this.#checkKey("cache_get", key);
      return this.services.cache.get(this.plugin, key);
    });
  }

  cacheSet(key: string, value: Uint8Array, ttlSeconds: number): MaybePromise<void> {
    return this.invoke("cache_set", { key, value: new TextDecoder().decode(value), ttl: ttlSeconds }, () => {
      this.#require("cache_set", "cache:write");
      this.#checkKey("cache_set", key);
      if (value.byteLength > this.limits.maxCacheValueBytes) {
        throw new HostCallError("E_LIMIT_EXCEEDED", `cache_set value is ${value.byteLength} bytes, more than ${this.limits.maxCacheValueBytes}`);
      }
      if (!Number.isInteger(ttlSeconds) || ttlSeconds < 0) throw new HostCallError("E_INVALID_ARGUMENT", `cache_set ttl must be 0 or more seconds, got ${ttlSeconds}`);
      return this.services.cache.set(this.plugin, key, value, ttlSeconds);
    });
  }

  cacheDelete(key: string): MaybePromise<void> {
    return this.invoke("cache_delete", { key }, () => {
      this.#require("cache_delete", "cache:write");
      this.#checkKey("cache_delete", key);
      return this.services.cache.delete(this.plugin, key);
    });
  }

  httpRequest(method: string, url: string, headersJson: string, body: string): MaybePromise<HttpResponseSpec> {
    return this.invoke("http_request", { method, url, headers: headersJson, body }, () => {
      this.#require("http_request", "http:external");
      const upper = method.toUpperCase();
      if (!HTTP_METHODS.has(upper)) throw new HostCallError("E_INVALID_ARGUMENT", `http_request method "${method}" is not one of ${[...HTTP_METHODS].join(", ")}`);
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new HostCallError("E_INVALID_ARGUMENT", `http_request url "${url}" is not an absolute URL`);
      }
      const headers = headersJson === "" ? {} : parseJson("http_request", "headers", headersJson);
      if (!isStringRecord(headers)) throw new HostCallError("E_INVALID_ARGUMENT", "http_request headers must be a JSON object of strings");
      const verdict = checkAllowedHost(this.grants, parsed);
      if ("denied" in verdict) this.#deny("http_request", verdict.denied);
      const request = { method: upper, url, headers, ...(body === "" ? {} : { body }) };
      const policy = (next: URL) => checkAllowedHost(this.grants, next);
      const mapError = (error: unknown): never => {
        if (error instanceof HostCallError) throw error;
        if (error instanceof HttpDeniedError) this.#deny("http_request", error.message);
        if (error instanceof HttpLimitError) throw new HostCallError("E_LIMIT_EXCEEDED", error.message);
        throw new HostCallError("E_SERVICE", `http_request to ${parsed.host} failed: ${messageOf(error)}`);
      };
      try {
        const http = this.services.http;
        const result = this.synchronous && http.requestSync ? http.requestSync(request, policy) : http.request(request, policy);
        return result instanceof Promise ? result.catch(mapError) : result;
      } catch (error) {
        return mapError(error);
      }
    });
  }

  /** `html`: send the body as HTML (true) or text (false); by default HTML when it starts like a document. */
  sendEmail(to: string, subject: string, body: string, attachmentsJson: string, html?: boolean): MaybePromise<{ id: string }> {
    return this.invoke("send_email", { to, subject, body, attachments: attachmentsJson, ...(html === undefined ? {} : { html }) }, () => {
      this.#require("send_email", "email:send");
      const recipients = parseRecipients(to);
      if (recipients.length === 0) throw new HostCallError("E_INVALID_ARGUMENT", "send_email needs at least one recipient in `to`");
      const bad = recipients.find((r) => !EMAIL.test(r));
      if (bad !== undefined) throw new HostCallError("E_INVALID_ARGUMENT", `send_email recipient "${bad}" is not an email address`);
      if (/[\r\n]/.test(subject)) throw new HostCallError("E_INVALID_ARGUMENT", "send_email subject must be one line");
      const attachments = attachmentsJson === "" ? [] : parseJson("send_email", "attachments", attachmentsJson);
      if (!Array.isArray(attachments) || !attachments.every(isAttachment)) {
        throw new HostCallError("E_INVALID_ARGUMENT", 'send_email attachments must be a JSON array of {"filename", "content_type", "content_base64"}');
      }
      const size = body.length + attachments.reduce((n, a) => n + (a.content_base64.length * 3) / 4, 0);
      if (size > this.limits.maxEmailBytes) throw new HostCallError("E_LIMIT_EXCEEDED", `send_email message is ${Math.round(size)} bytes, more than ${this.limits.maxEmailBytes}`);
      const isHtml = html ?? /^\s*(<!doctype html|<html)/i.test(body);
      return this.services.mail.send(this.plugin, {
        from: this.services.mailFrom,
        to: recipients,
        subject,
        ...(isHtml ? { html: body } : { text: body }),
        attachments,
      });
    });
  }

  scheduleJob(cron: string, handler: string, payloadJson: string): { id: string; next_run: string | null } {
    return this.invoke("schedule_job", { cron, handler, payload: payloadJson }, () => {
      this.#require("schedule_job", "jobs:schedule");
      if (!this.identity.handlers.has(handler)) {
        throw new HostCallError("E_INVALID_ARGUMENT", `schedule_job handler "${handler}" is not exported by the plugin`);
      }
      try {
        nextRunOf(cron, new Date(this.services.now()));
      } catch (error) {
        throw new HostCallError("E_INVALID_ARGUMENT", `schedule_job cron "${cron}" is invalid: ${messageOf(error)}`);
      }
      const payload = payloadJson === "" ? null : parseJson("schedule_job", "payload", payloadJson);
      const { job, nextRun } = this.services.jobs.schedule({ plugin: this.plugin, schedule: cron, handler, payload, source: "schedule_job" });
      return { id: job.id, next_run: nextRun?.toISOString() ?? null };
    }) as { id: string; next_run: string | null };
  }

  /** GoatFlow's plugin_call: another plugin's function, with `plugin:call:<target>` (docs/goatflow.md). */
  pluginCall(target: string, fn: string, argsJson: string): MaybePromise<string> {
    return this.invoke("plugin_call", { plugin: target, function: fn, args: argsJson }, () => {
      if (!this.grants.capabilities.has(`plugin:call:${target}`)) this.#deny("plugin_call", `plugin_call to "${target}" needs "plugin:call:${target}"; add it to manifest.permissions (plugin.yaml: {type: plugin_call, scope: ["${target}"]})`);
      const bus = this.services.plugins;
      if (!bus) throw new HostCallError("E_SERVICE", "plugin_call is not available on this host");
      if (this.synchronous) throw new HostCallError("E_SERVICE", "plugin_call runs the target on an instance of its own, which an in-process plugin cannot wait for; run the plugin isolated (the default)");
      return bus.call(target, fn, argsJson);
    });
  }

  /** GoatFlow's publish_event: an event to the host's listeners (the admin event stream); needs no grant, as on GoatFlow. */
  publishEvent(eventType: string, dataJson: string): void {
    this.invoke("publish_event", { event_type: eventType, data: dataJson }, () => {
      if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(eventType)) throw new HostCallError("E_INVALID_ARGUMENT", `publish_event event_type ${JSON.stringify(eventType.slice(0, 80))} must be 1 to 64 letters, digits, _ . : or -`);
      if (encoder.encode(dataJson).byteLength > MAX_EVENT_BYTES) throw new HostCallError("E_LIMIT_EXCEEDED", `publish_event data is larger than ${MAX_EVENT_BYTES} bytes; send a reference to the data instead`);
      const bus = this.services.plugins;
      if (!bus) throw new HostCallError("E_SERVICE", "publish_event is not available on this host");
      bus.publish(this.plugin, eventType, dataJson === "" ? null : parseJson("publish_event", "data", dataJson));
    });
  }

  /** Logging never fails for the guest: bad input is kept, not refused. */
  log(level: string, message: string, fieldsJson: string): void {
    this.#logsThisCall++;
    if (this.#logsThisCall > this.limits.maxLogsPerCall) {
      if (this.#logsThisCall === this.limits.maxLogsPerCall + 1) {
        this.services.logs.write(this.plugin, "warn", `log flood: more than ${this.limits.maxLogsPerCall} lines in one call; further lines of this call are dropped`, {});
      }
      return;
    }
    const known = (LOG_LEVELS as readonly string[]).includes(level);
    let fields: Record<string, unknown> = {};
    if (fieldsJson !== "") {
      try {
        const parsed: unknown = JSON.parse(fieldsJson);
        fields = parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { fields: parsed };
      } catch {
        fields = { fields_raw: fieldsJson };
      }
    }
    if (!known) fields = { ...fields, level };
    let text = message;
    if (encoder.encode(text).byteLength > this.limits.maxLogBytes) {
      text = `${text.slice(0, this.limits.maxLogBytes)}… [cut at ${this.limits.maxLogBytes} bytes]`;
    }
    this.services.logs.write(this.plugin, known ? (level as LogLevel) : "info", text, fields);
  }

  /**
   * Runs a statement as the plugin. The database decides what it may touch (docs/services.md
   * "Plugin identities"); its refusal becomes E_PERMISSION_DENIED, logged like every denial.
   */
  #asPlugin<T>(fn: HostFunctionName, run: (db: PluginDatabase) => MaybePromise<T>): MaybePromise<T> {
    const db = this.identity.db;
    if (!db) throw new HostCallError("E_SERVICE", `${fn} is not available before the plugin is registered`);
    const refused = (error: unknown): never => {
      if (error instanceof DatabasePermissionError) this.#deny(fn, `${fn} ${error.reason}`);
      throw error;
    };
    try {
      const result = run(db);
      return result instanceof Promise ? result.catch(refused) : result;
    } catch (error) {
      return refused(error);
    }
  }

  #require(fn: HostFunctionName, permission: CapabilityPermission): void {
    if (!this.grants.capabilities.has(permission)) {
      this.#deny(fn, `permission denied: ${fn} needs "${permission}"; add it to manifest.permissions`);
    }
  }

  /**
   * The host's own tables (docs/state.md) hold every plugin's log lines, job runs and the
   * administrators' audit trail: no permission reaches them, not even `db:write:<table>`.
   */
  #refusePlatformTables(fn: HostFunctionName, statement: StatementInfo): void {
    const table = statement.mentionedTable(PLATFORM_TABLES);
    if (table) this.#deny(fn, `${fn} may not use table "${table}": it is the host's platform state (docs/state.md), which no plugin permission covers; read the host's records through its admin API`);
  }

  #deny(fn: HostCallName, message: string): never {
    const text = message.startsWith("permission denied") ? message : `permission denied: ${message}`;
    this.services.logs.write(this.plugin, "warn", text, { host_function: fn });
    throw new HostCallError("E_PERMISSION_DENIED", text);
  }

  #checkKey(fn: HostFunctionName, key: string): void {
    const size = encoder.encode(key).byteLength;
    if (size === 0 || size > this.limits.maxCacheKeyBytes) {
      throw new HostCallError("E_INVALID_ARGUMENT", `${fn} key must be 1 to ${this.limits.maxCacheKeyBytes} bytes, got ${size}`);
    }
  }
}

/** Applies `fn` to a value or a promise of it, staying synchronous when the value is. (Not named `then`: a module exporting `then` is a thenable.) */
export function mapMaybePromise<T, U>(value: MaybePromise<T>, fn: (v: T) => U): MaybePromise<U> {
  return value instanceof Promise ? value.then(fn) : fn(value);
}

/** The host functions as a guest binding sees them (kept here for existing imports). */
export type { GuestHostCalls } from "./host-function-table.js";
