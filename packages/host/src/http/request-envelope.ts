import type { PluginUser, RequestInput } from "../plugin/request.js";
import { preferredLocale } from "./locale.js";

/**
 * The request envelope fields of docs/envelopes.md from an HTTP request: query values decoded
 * (a repeated key keeps its last value), headers as Fetch gives them, lower-cased (the plugin
 * layer removes credentials), the body as text, the signed-in user and the preferred language.
 */
export async function requestEnvelope(request: Request, kind: RequestInput["kind"], params: Record<string, string>, user: PluginUser | null): Promise<RequestInput> {
  const url = new URL(request.url);
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = value;
  // Fetch's Headers already give lower-case names; buildRequest drops the credentials.
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const body = request.method === "GET" || request.method === "HEAD" ? "" : await request.text();
  return {
    kind,
    method: request.method,
    path: url.pathname,
    params,
    query,
    headers,
    body,
    user: user ? { id: user.id, login: user.login, email: user.email, role: user.role } : null,
    locale: preferredLocale(headers["accept-language"]),
  };
}
