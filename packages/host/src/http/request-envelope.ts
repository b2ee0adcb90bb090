import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { Context } from "hono";
import type { PluginUser, RequestInput } from "../plugin/request.js";
import type { AppEnv } from "./auth.js";
import { preferredLocale } from "./locale.js";

/**
 * The request envelope fields of docs/envelopes.md from an HTTP request: query values decoded
 * (a repeated key keeps its last value), headers lower-cased (the plugin layer removes
 * credentials), the body as text, the signed-in user and the preferred language.
 */
export async function requestEnvelope(c: Context<AppEnv>, kind: RequestInput["kind"], params: Record<string, string>): Promise<RequestInput> {
  const request = c.req.raw;
  const url = request.url;
  const query: Record<string, string> = {};
  const mark = url.indexOf("?");
  // The URL is absolute and already normalised (dot segments resolved, characters encoded):
  // its path runs from the first slash after the host to the query.
  const path = url.slice(url.indexOf("/", url.indexOf("//") + 2), mark >= 0 ? mark : undefined);
  if (mark >= 0) for (const [key, value] of new URLSearchParams(url.slice(mark + 1))) query[key] = value;
  const headers = headersOf(c);
  const body = request.method === "GET" || request.method === "HEAD" ? "" : await request.text();
  const user: PluginUser | null = c.get("user");
  return {
    kind,
    method: request.method,
    path,
    params,
    query,
    headers,
    body,
    user: user ? { id: user.id, login: user.login, email: user.email, role: user.role } : null,
    locale: preferredLocale(headers["accept-language"]),
  };
}

/**
 * The request's headers as a record of lower-case names. Served by Node, they are the ones its
 * HTTP parser already holds (a repeated header's values joined by ", ", cookies by "; ", and a
 * repeated single-valued header such as content-type keeping its first value); reading them
 * through Fetch's Headers would sort and copy them once more for every request.
 */
function headersOf(c: Context<AppEnv>): Record<string, string> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.headers;
  const headers: Record<string, string> = {};
  if (incoming) {
    for (const name in incoming) {
      const value = (incoming as IncomingHttpHeaders)[name];
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
    }
    return headers;
  }
  c.req.raw.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}
