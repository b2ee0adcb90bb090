import { HOST_OWNED_HEADERS, type PluginResponse } from "../plugin/response.js";
import { confinePluginContent } from "./plugin-content-policy.js";

const NO_BODY = new Set([204, 205, 304]);

/** An HTTP response carrying a plugin's status, headers and body. */
export function httpResponse(response: PluginResponse, plugin: string, headOnly = false): Response {
  if (response.status < 200 || response.status > 599) {
    // 1xx statuses are the server's business (Fetch cannot even build such a response).
    const message = `plugin "${plugin}" answered with status ${response.status}; a gk_response status must be 200-599`;
    return Response.json({ error: message, code: "E_BAD_STATUS" }, { status: 502, headers: { "x-goatkit-plugin": plugin } });
  }
  const headers = new Headers(response.headers);
  // interpretResult drops them already; this is the last door before the client.
  for (const name of HOST_OWNED_HEADERS) headers.delete(name);
  headers.set("x-goatkit-plugin", plugin);
  confinePluginContent(headers);
  const body = headOnly || NO_BODY.has(response.status) ? null : response.body;
  return new Response(body as BodyInit | null, { status: response.status, headers });
}
