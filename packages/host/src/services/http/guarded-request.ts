import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { addressRefusal } from "./address-policy.js";
import { GoatKitError, type GoatKitErrorOptions } from "../../errors.js";

/** One HTTP exchange without following redirects, the raw material of http_request. */
export interface HopSpec {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface Hop {
  status: number;
  headers: Record<string, string>;
  bytes: Uint8Array;
}

export interface HopLimits {
  timeoutMs: number;
  maxBytes: number;
  /** Whether the URL's host may be a private, loopback or link-local address. */
  allowPrivate: boolean;
}

/** A request that failed on the way: no answer in time, a network error, too many redirects. */
export class HttpRequestError extends GoatKitError {
  constructor(message: string, options?: GoatKitErrorOptions) {
    super("E_HTTP_REQUEST", message, options);
    this.name = "HttpRequestError";
  }
}
/** One hop's address is not allowed (becomes HttpDeniedError). */
export class HopRefusedError extends GoatKitError {
  constructor(message: string) {
    super("E_PERMISSION_DENIED", message);
    this.name = "HopRefusedError";
  }
}
/** One hop's answer is larger than the cap (becomes HttpLimitError). */
export class HopTooLargeError extends GoatKitError {
  constructor(message: string) {
    super("E_LIMIT_EXCEEDED", message);
    this.name = "HopTooLargeError";
  }
}

/**
 * Performs one request with Node's http client, checking the address it connects to (after
 * DNS) so that the check and the connection cannot disagree.
 */
export function requestHop(spec: HopSpec, limits: HopLimits): Promise<Hop> {
  const url = new URL(spec.url);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host)) {
    const refusal = addressRefusal(host, host, limits.allowPrivate);
    if (refusal) return Promise.reject(new HopRefusedError(refusal));
  }
  const lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, "", 4);
      for (const { address } of addresses) {
        const refusal = addressRefusal(address, hostname, limits.allowPrivate);
        if (refusal) return callback(new HopRefusedError(refusal), "", 4);
      }
      const first = addresses[0]!;
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, first.address, first.family);
    });
  };
  return new Promise<Hop>((resolve, reject) => {
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(url, { method: spec.method, headers: spec.headers, lookup, timeout: limits.timeoutMs }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.byteLength;
        if (size > limits.maxBytes) {
          req.destroy(new HopTooLargeError(`response from ${url.host} is larger than ${limits.maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on("end", () => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
        resolve({ status: res.statusCode ?? 0, headers, bytes: Buffer.concat(chunks) });
      });
      res.on("error", reject);
    });
    const deadline = setTimeout(() => req.destroy(new Error(`timed out after ${limits.timeoutMs} ms`)), limits.timeoutMs);
    req.on("close", () => clearTimeout(deadline));
    req.on("timeout", () => req.destroy(new Error(`timed out after ${limits.timeoutMs} ms`)));
    req.on("error", (error: Error & { code?: string }) => reject(error instanceof HopRefusedError || error instanceof HopTooLargeError ? error : new HttpRequestError(error.code ? `${error.message} (${error.code})` : error.message, { cause: error })));
    if (spec.body !== undefined && spec.method !== "GET" && spec.method !== "HEAD") req.write(spec.body);
    req.end();
  });
}
