import { state } from "./state.js";

const CSRF_HEADER = "x-goatkit-csrf";
const SAFE_METHODS = ["GET", "HEAD", "OPTIONS"];

/** A non-2xx answer of the host: its `error` text, and the status the sign-in flow branches on. */
export class ApiError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

/** The session cookie travels by itself; a request that changes state also carries the CSRF token. */
export function authHeaders(extra: Record<string, string>, method: string): Record<string, string> {
  const headers = { ...extra };
  if (state.csrf && !SAFE_METHODS.includes(method)) headers[CSRF_HEADER] = state.csrf;
  return headers;
}

/** A JSON call to the host; `T` is the endpoint's answer type from @goatkit/host. */
export async function api<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
  const init: RequestInit = {
    method,
    credentials: "same-origin",
    headers: authHeaders({ ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers }, method),
  };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(path, init);
  const text = await res.text();
  let data: unknown = text;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  if (!res.ok) {
    const error = data && typeof data === "object" && "error" in data && typeof data.error === "string" ? data.error : `${res.status} ${res.statusText}`;
    throw new ApiError(error, res.status);
  }
  return data as T;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function errorStatus(error: unknown): number | undefined {
  return error instanceof ApiError ? error.status : undefined;
}
