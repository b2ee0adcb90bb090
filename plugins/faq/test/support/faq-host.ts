import { copyFileSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHost, type Host, type HostOptions, type PluginResponse, type PluginUser } from "@goatkit/host";
import { expect } from "vitest";

/** The build the suite runs on: this project's (default) or GoatFlow's (`FAQ_TARGET=goatflow`). */
export const target = process.env.FAQ_TARGET === "goatflow" ? "goatflow" : "goatkit";

/**
 * The HTTP status a route's answer has on the target: GoatFlow answers every route with 200
 * (an error's status is inside its JSON envelope, which `refusal` reads).
 */
export const status = (code: number): number => (target === "goatflow" ? 200 : code);

/**
 * For tests of what GoatFlow's ABI does not carry (the reader's locale, template functions'
 * arguments, redirects): they run on this project's build only.
 */
export const goatkitOnly = target === "goatflow";
if (goatkitOnly) console.warn("faq on GoatFlow's build: tests of the reader's locale, template-function arguments and redirects are skipped (GoatFlow's ABI passes none of them)");

/**
 * The plugin folder: its manifest and build/plugin.wasm (built by `pnpm --filter
 * @goatkit/plugin-faq build`). For GoatFlow's build, a folder with the same manifest and
 * build/goatflow/plugin.wasm in its place: the host runs it through GoatFlow's ABI.
 */
export const pluginDir = target === "goatflow" ? goatflowDir() : new URL("../..", import.meta.url).pathname;

function goatflowDir(): string {
  const source = new URL("../..", import.meta.url).pathname;
  const dir = mkdtempSync(join(tmpdir(), "faq-goatflow-"));
  mkdirSync(join(dir, "build"));
  copyFileSync(join(source, "manifest.json"), join(dir, "manifest.json"));
  copyFileSync(join(source, "build", "goatflow", "plugin.wasm"), join(dir, "build", "plugin.wasm"));
  return dir;
}

export const agent: PluginUser = { id: 5, login: "emma.haddad", email: "emma.haddad@goatflow.example", role: "agent" };
export const admin: PluginUser = { id: 1, login: "ada.fischer", email: "ada.fischer@goatflow.example", role: "admin" };
export const customer: PluginUser = { id: 501, login: "carl.kunde", email: "carl@customer.example", role: "customer" };
export const otherCustomer: PluginUser = { id: 502, login: "dora.client", email: "dora@customer.example", role: "customer" };

export interface FaqHostOptions {
  /** Default: the embedded SQLite database, without the demo help desk (the plugin does not read it). */
  database?: HostOptions["database"];
  /** Default: the embedded memory cache. */
  cache?: HostOptions["cache"];
  now?: () => number;
  config?: Record<string, unknown>;
}

/** A host with the FAQ plugin loaded. */
export async function openFaqHost(options: FaqHostOptions = {}): Promise<Host> {
  const host = await createHost({
    database: options.database ?? { demo: false },
    ...(options.cache ? { cache: options.cache } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  await host.load(pluginDir, { config: options.config ?? {} });
  return host;
}

export interface CallOptions {
  params?: Record<string, string>;
  query?: Record<string, string>;
  /** Sent as JSON unless it is a string. */
  body?: unknown;
  headers?: Record<string, string>;
  locale?: string;
}

/** Calls the plugin's handlers as one user, the way the host's HTTP routes do. */
export class FaqClient {
  constructor(
    readonly host: Host,
    readonly user: PluginUser | null,
    readonly locale = "en",
  ) {}

  as(user: PluginUser | null, locale = this.locale): FaqClient {
    return new FaqClient(this.host, user, locale);
  }

  call(method: string, handler: string, options: CallOptions = {}): Promise<PluginResponse> {
    const body = options.body === undefined ? "" : typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    return this.host.call("faq", handler, {
      kind: "route",
      method,
      params: options.params ?? {},
      query: options.query ?? {},
      headers: { ...(body !== "" && typeof options.body !== "string" ? { "content-type": "application/json" } : {}), ...options.headers },
      body,
      user: this.user,
      locale: options.locale ?? this.locale,
    });
  }

  get(handler: string, options?: CallOptions) {
    return this.call("GET", handler, options);
  }

  post(handler: string, options?: CallOptions) {
    return this.call("POST", handler, options);
  }

  put(handler: string, options?: CallOptions) {
    return this.call("PUT", handler, options);
  }

  delete(handler: string, options?: CallOptions) {
    return this.call("DELETE", handler, options);
  }

  widget(): Promise<PluginResponse> {
    return this.host.call("faq", "top_articles_widget", { kind: "widget", user: this.user, locale: this.locale });
  }
}

/** The JSON body of a successful response; fails the test with the plugin's error otherwise. */
export async function ok(response: Promise<PluginResponse> | PluginResponse): Promise<any> {
  const res = await response;
  expect(res.status, String(res.body)).toBeGreaterThanOrEqual(200);
  expect(res.status, String(res.body)).toBeLessThan(300);
  return res.body === "" ? null : JSON.parse(String(res.body));
}

/** The status and error of a refused call. */
export async function refusal(response: Promise<PluginResponse>): Promise<{ status: number; code: string | undefined; message: string | undefined }> {
  const res = await response;
  if (target === "goatflow" && res.status === 200) {
    // GoatFlow answers every route with 200: the plugin's error envelope is the body.
    const body = JSON.parse(String(res.body)) as { error?: string; code?: string; status?: number };
    return { status: body.status ?? 200, code: body.code, message: body.error };
  }
  return { status: res.status, code: res.error?.code, message: res.error?.message };
}
