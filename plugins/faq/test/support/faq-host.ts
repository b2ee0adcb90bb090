import { createHost, type Host, type HostOptions, type PluginResponse, type PluginUser } from "@goatkit/host";
import { expect } from "vitest";

/** The plugin folder: its manifest and build/plugin.wasm (built by `pnpm --filter @goatkit/plugin-faq build`). */
export const pluginDir = new URL("../..", import.meta.url).pathname;

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
  return { status: res.status, code: res.error?.code, message: res.error?.message };
}
