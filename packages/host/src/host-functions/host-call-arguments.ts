import { messageOf } from "../errors.js";
import type { HostCallName } from "./host-services.js";
import type { EmailAttachment, SqlValue } from "../services/types.js";
import { HostCallError } from "./host-call-error.js";

/** Reading host-call arguments that arrive as JSON text; a bad one is E_INVALID_ARGUMENT naming the function. */

export function parseArgs(fn: HostCallName, json: string): SqlValue[] {
  if (json === "") return [];
  const args = parseJson(fn, "args", json);
  // Go's json.Marshal of an empty variadic slice is "null" (the tutorial's dbQuery sends it).
  if (args === null) return [];
  if (!Array.isArray(args)) throw new HostCallError("E_INVALID_ARGUMENT", `${fn} args must be a JSON array, got ${json.slice(0, 40)}`);
  for (const [i, v] of args.entries()) {
    if (v !== null && !["string", "number", "boolean"].includes(typeof v)) {
      throw new HostCallError("E_INVALID_ARGUMENT", `${fn} args[${i}] must be a string, number, boolean or null`);
    }
  }
  return args as SqlValue[];
}

export function parseJson(fn: HostCallName, what: string, json: string): unknown {
  try {
    return JSON.parse(json);
  } catch (error) {
    throw new HostCallError("E_INVALID_ARGUMENT", `${fn} ${what} is not valid JSON: ${messageOf(error)}`);
  }
}

export function parseRecipients(to: string): string[] {
  const trimmed = to.trim();
  if (trimmed.startsWith("[")) {
    const list = parseJson("send_email", "to", trimmed);
    if (!Array.isArray(list) || !list.every((x) => typeof x === "string")) {
      throw new HostCallError("E_INVALID_ARGUMENT", "send_email to must be a JSON array of addresses or a comma-separated list");
    }
    return list.map((x: string) => x.trim()).filter(Boolean);
  }
  return trimmed.split(",").map((x) => x.trim()).filter(Boolean);
}

export function isStringRecord(v: unknown): v is Record<string, string> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");
}

export function isAttachment(v: unknown): v is EmailAttachment {
  if (v === null || typeof v !== "object") return false;
  const a = v as Record<string, unknown>;
  return typeof a.filename === "string" && typeof a.content_type === "string" && typeof a.content_base64 === "string";
}
