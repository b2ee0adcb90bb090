import { ExpectationError } from "./expectation-error.js";
import { isDeepStrictEqual } from "node:util";
import type { HostCallRecord } from "../host-functions/host-services.js";
import { Host } from "../host.js";
import type { LoadOptions, Plugin } from "../plugin/plugin.js";
import type { RequestInput } from "../plugin/request.js";
import type { PluginResponse } from "../plugin/response.js";
import type { DemoDataOptions } from "../services/database/demo-data.js";
import type { StoredEmail } from "../services/dev-mailbox.js";
import type { ScheduledJob } from "../jobs/job-registry.js";
import type { LogEntry } from "../services/log-store.js";
import type { Row } from "../services/types.js";
import { LocalAnswers, type HttpAnswers } from "./local-answers.js";

export interface TestHostOptions extends LoadOptions {
  /** The plugin folder (manifest + wasm). */
  plugin: string;
  /** The demo help desk to start from (default: 100 tickets ending 2026-01-31); false for empty core tables. */
  demo?: DemoDataOptions | false;
  /** Rows to insert after the plugin's migrations ran, by table. */
  rows?: Record<string, Row[]>;
  /** Cache entries in the plugin's namespace, stored before the first call (no expiry). */
  cache?: Record<string, string>;
  /** Answers to the plugin's outbound HTTP requests, served by a local server. */
  http?: HttpAnswers;
  /** Start of the test clock (ISO string or ms); it moves only when the test says so. */
  now?: string | number;
}

/** A value matcher: equal, a RegExp for strings, or a predicate. */
type Matcher = unknown | RegExp | ((value: unknown) => boolean);

/** The clock a test controls: plugins, the cache's TTLs and the job registry all read it. */
export interface TestClock {
  now(): number;
  advance(ms: number): void;
  set(time: string | number): void;
}

/**
 * A host for one plugin under test: fixtures in, calls, and a record of every host call the
 * plugin made, to assert on.
 *
 * @example
 * const t = await createTestHost({ plugin: ".", cache: { counts: "[]" } });
 * const res = await t.call("get_counts");
 * t.expectHostCall("cache_get", { key: "counts" });
 * t.expectNoHostCall("db_query");
 * await t.close();
 */
export class TestHost {
  private constructor(
    readonly host: Host,
    readonly plugin: Plugin,
    readonly clock: TestClock,
    private readonly answers: LocalAnswers,
    /** Every host call the plugin made since the start (or the last clearHostCalls). */
    readonly hostCalls: HostCallRecord[],
  ) {}

  static async create(options: TestHostOptions): Promise<TestHost> {
    let time = typeof options.now === "string" ? Date.parse(options.now) : (options.now ?? Date.parse("2026-02-01T09:00:00Z"));
    const clock: TestClock = {
      now: () => time,
      advance: (ms) => void (time += ms),
      set: (t) => void (time = typeof t === "string" ? Date.parse(t) : t),
    };
    const answers = new LocalAnswers(options.http ?? {});
    await answers.start();
    const records: HostCallRecord[] = [];
    const host = await Host.create({
      database: { demo: options.demo ?? { tickets: 100, anchorDay: "2026-01-31" } },
      http: answers,
      now: clock.now,
      onHostCall: (record) => records.push(record),
      // One plugin, its author's, and no secrets: it runs as the test's user wherever the test
      // lives, as root in a CI container too (docs/grpc.md, Security).
      grpc: { runAs: "host-user" },
    });
    const { plugin: dir, demo: _demo, rows, cache, http: _http, now: _now, ...load } = options;
    const plugin = await host.load(dir, load);
    for (const [table, list] of Object.entries(rows ?? {})) {
      for (const row of list) {
        const columns = Object.keys(row);
        await host.services.db.exec(`INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`, columns.map((c) => row[c]!));
      }
    }
    for (const [key, value] of Object.entries(cache ?? {})) await host.services.cache.set(plugin.name, key, new TextEncoder().encode(value), 0);
    // Fixtures are not the plugin's doing: start the record here.
    records.length = 0;
    return new TestHost(host, plugin, clock, answers, records);
  }

  /** Calls a handler of the plugin. */
  call(handler: string, request: RequestInput = {}): Promise<PluginResponse> {
    return this.plugin.call(handler, request);
  }

  /** Calls a handler and parses its JSON body; an error response throws with its message. */
  async json<T = unknown>(handler: string, request: RequestInput = {}): Promise<T> {
    const res = await this.call(handler, request);
    if (res.error) throw new ExpectationError(`${handler} answered ${res.status}: ${res.error.message} (${res.error.code})`, { fix: "call() the handler to inspect an error answer" });
    return JSON.parse(String(res.body)) as T;
  }

  /**
   * Asserts that the plugin made a host call of `fn` whose arguments match (each given field
   * equal, matching a RegExp, or passing a predicate), `times` times if given. Returns the
   * matching calls.
   */
  expectHostCall(fn: HostCallRecord["fn"], args: Record<string, Matcher> = {}, times?: number): HostCallRecord[] {
    const matching = this.hostCalls.filter((c) => c.fn === fn && Object.entries(args).every(([k, m]) => matches(c.args[k], m)));
    if (matching.length === 0 || (times !== undefined && matching.length !== times)) {
      const seen = this.hostCalls.map((c) => `  ${c.fn} ${JSON.stringify(c.args)}${c.error ? ` -> ${c.error.code}` : ""}`).join("\n") || "  (none)";
      const want = times === undefined ? "at least one" : `${times}`;
      throw new ExpectationError(`expected ${want} ${fn} call(s) matching ${describe(args)}, found ${matching.length}. Host calls made:\n${seen}`);
    }
    return matching;
  }

  /** Asserts that the plugin made no host call of `fn`. */
  expectNoHostCall(fn: HostCallRecord["fn"]): void {
    const made = this.hostCalls.filter((c) => c.fn === fn);
    if (made.length > 0) throw new ExpectationError(`expected no ${fn} call, found ${made.length}: ${made.map((c) => JSON.stringify(c.args)).join(", ")}`);
  }

  /** Forgets the host calls recorded so far. */
  clearHostCalls(): void {
    this.hostCalls.length = 0;
  }

  emails(): StoredEmail[] {
    return this.host.mailbox?.list(this.plugin.name) ?? [];
  }

  jobs(): ScheduledJob[] {
    return this.host.jobs.list(this.plugin.name);
  }

  logs(): LogEntry[] {
    return this.host.logs.list(this.plugin.name);
  }

  /** Outbound requests the plugin made, as the local server received them. */
  get httpRequests() {
    return this.answers.requests;
  }

  async close(): Promise<void> {
    await this.host.close();
    await this.answers.close();
  }
}

/** Creates a {@link TestHost}. */
export function createTestHost(options: TestHostOptions): Promise<TestHost> {
  return TestHost.create(options);
}

function matches(value: unknown, matcher: Matcher): boolean {
  if (matcher instanceof RegExp) return typeof value === "string" && matcher.test(value);
  if (typeof matcher === "function") return Boolean((matcher as (v: unknown) => boolean)(value));
  return isDeepStrictEqual(value, matcher);
}

function describe(args: Record<string, Matcher>): string {
  const parts = Object.entries(args).map(([k, m]) => `${k}=${m instanceof RegExp ? String(m) : typeof m === "function" ? "(predicate)" : JSON.stringify(m)}`);
  return parts.length ? parts.join(", ") : "anything";
}
