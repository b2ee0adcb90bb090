import type { Manifest } from "@goatkit/sdk";

/** The request envelope every binding passes to a handler (docs/envelopes.md). */
export interface PluginRequest {
  kind: "route" | "widget" | "job" | "hook" | "function" | "call";
  handler: string;
  method: string;
  path: string;
  params: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
  user: PluginUser | null;
  locale: string;
  job: JobInfo | null;
  hook: { event: string; data: unknown } | null;
  config: Record<string, unknown>;
  /** The plugin's translations (its `i18n/` folder) for `locale`, with fallbacks merged in. */
  i18n: Readonly<Record<string, string>>;
}

export interface PluginUser {
  id: number;
  login: string;
  email: string;
  role: "agent" | "admin" | "customer";
}

export interface JobInfo {
  id: string;
  schedule: string;
  scheduled_at: string;
  attempt: number;
  payload: unknown;
}

export type RequestInput = Partial<Omit<PluginRequest, "handler" | "i18n">>;

// Credentials stay with the host; plugins get the authenticated `user` instead.
const STRIPPED_HEADERS = new Set(["authorization", "cookie", "proxy-authorization"]);

/** Fills a partial request with defaults and the plugin's configuration. */
export function buildRequest(
  handler: string,
  input: RequestInput,
  manifest: Manifest,
  configValues: Record<string, unknown> = {},
  translations: (locale: string) => Readonly<Record<string, string>> = () => ({}),
): PluginRequest {
  const locale = input.locale ?? "en";
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    const lower = name.toLowerCase();
    if (!STRIPPED_HEADERS.has(lower)) headers[lower] = String(value);
  }
  return {
    kind: input.kind ?? "call",
    handler,
    method: (input.method ?? (input.kind === "route" ? "GET" : "")).toUpperCase(),
    path: input.path ?? "",
    params: { ...input.params },
    query: { ...input.query },
    headers,
    body: input.body ?? "",
    user: input.user ?? null,
    locale,
    job: input.job ?? null,
    hook: input.hook ?? null,
    config: { ...configDefaults(manifest), ...configValues, ...input.config },
    i18n: translations(locale),
  };
}

function configDefaults(manifest: Manifest): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(manifest.config ?? {})) {
    if (field.default !== undefined) out[key] = field.default;
  }
  return out;
}
