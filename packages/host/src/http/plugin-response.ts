import { validateHeaderName, validateHeaderValue } from "node:http";
import { ERROR_STATUS } from "../errors.js";
import { HOST_OWNED_HEADERS, type PluginResponse } from "../plugin/response.js";
import { confinePluginContent } from "./plugin-content-policy.js";

const NO_BODY = new Set([204, 205, 304]);

/**
 * An HTTP response carrying a plugin's status, headers and body. The headers stay a plain
 * record: the server writes such a response straight out, where a Headers object would be
 * built, then read back, on every plugin route's answer.
 */
export function httpResponse(response: PluginResponse, plugin: string, headOnly = false): Response {
  if (response.status < 200 || response.status > 599) {
    // 1xx statuses are the server's business (Fetch cannot even build such a response).
    return badResponse(plugin, `plugin "${plugin}" answered with status ${response.status}; a gk_response status must be 200-599`, "E_BAD_STATUS");
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    const lower = name.toLowerCase();
    // interpretResult drops them already; this is the last door before the client.
    if (HOST_OWNED_HEADERS.has(lower)) continue;
    try {
      validateHeaderName(lower);
      validateHeaderValue(lower, value);
    } catch {
      return badResponse(plugin, `plugin "${plugin}" answered with the header ${JSON.stringify(name)}: ${JSON.stringify(value)}, which HTTP cannot carry; header names are tokens, and values hold no line breaks or control characters`, "E_BAD_HEADER");
    }
    headers[lower] = value;
  }
  headers["x-goatkit-plugin"] = plugin;
  confinePluginContent(headers);
  const body = headOnly || NO_BODY.has(response.status) ? null : response.body;
  return new Response(body as BodyInit | null, { status: response.status, headers });
}

/** The gateway's answer for a plugin response that HTTP cannot carry. */
function badResponse(plugin: string, message: string, code: "E_BAD_STATUS" | "E_BAD_HEADER"): Response {
  return Response.json({ error: message, code }, { status: ERROR_STATUS[code], headers: { "x-goatkit-plugin": plugin } });
}
