/** Request bodies the routes expect as JSON objects. */
import { PluginError } from "@goatkit/sdk/guest";

/** The body as a JSON object, or a 400 that shows what was expected. */
export function jsonBody<T extends object>(body: string, expected: string): T {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    value = null;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new PluginError(`the request body must be a JSON object such as ${expected}`, 400, "BAD_REQUEST");
  }
  return value as T;
}
