import { GoatKitError } from "../errors.js";
/**
 * Failures to reach a production service, worded the same for every adapter: which service,
 * the URL without its password, what went wrong, and where the URL is set.
 */

/** A URL fit for messages and logs: the password is replaced by `***`, the rest kept as written. */
export function redactUrl(url: string): string {
  const userinfo = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)@/i.exec(url);
  const colon = userinfo?.[2]!.indexOf(":") ?? -1;
  if (!userinfo || colon === -1) return url;
  return `${userinfo[1]}${userinfo[2]!.slice(0, colon)}:***@${url.slice(userinfo[0].length)}`;
}

export class ServiceConnectionError extends GoatKitError {
  constructor(
    readonly service: string,
    url: string,
    /** Where the URL came from, e.g. "GOATKIT_DB_URL"; named in the fix. */
    readonly origin: string,
    reason: string,
    fix: string,
    options?: ErrorOptions,
  ) {
    super("E_SERVICE_CONNECTION", `cannot connect to ${service} at ${redactUrl(url)} (set by ${origin}): ${reason}; ${fix}`, { fix, ...options });
    this.name = "ServiceConnectionError";
  }
}

const NETWORK_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ECONNRESET", "EPIPE"]);

/** True for errors that mean the server could not be reached at all. */
export function isNetworkError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && NETWORK_CODES.has(code);
}
