import type { HttpRequestSpec, HttpResponseSpec, HttpService } from "../types.js";
import { SyncFetch, SyncFetchError } from "./sync-fetch.js";

export interface FetchHttpOptions {
  timeoutMs?: number;
  maxResponseBytes?: number;
  maxRedirects?: number;
}

export class HttpDeniedError extends Error {}
export class HttpLimitError extends Error {}

interface Hop {
  status: number;
  headers: Record<string, string>;
  bytes: Uint8Array;
}

/**
 * The embedded default HTTP client: Node's fetch, following redirects itself so every hop is
 * checked against the plugin's allowed hosts. `request` is asynchronous (isolated plugins);
 * `requestSync` blocks on a helper thread (in-process plugins).
 */
export class FetchHttp implements HttpService {
  readonly #sync = new SyncFetch();
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #maxRedirects: number;

  constructor(options: FetchHttpOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#maxBytes = options.maxResponseBytes ?? 5 * 1024 * 1024;
    this.#maxRedirects = options.maxRedirects ?? 5;
  }

  async request(spec: HttpRequestSpec, isAllowed: (url: URL) => string | null): Promise<HttpResponseSpec> {
    let current = spec;
    for (let hop = 0; ; hop++) {
      const answer = await this.#fetchHop(current, isAllowed);
      const next = this.#redirect(current, answer, hop);
      if (!next) return toResponse(answer);
      current = next;
    }
  }

  requestSync(spec: HttpRequestSpec, isAllowed: (url: URL) => string | null): HttpResponseSpec {
    let current = spec;
    for (let hop = 0; ; hop++) {
      const url = checked(current.url, isAllowed);
      let answer: Hop;
      try {
        answer = this.#sync.fetch(current, this.#timeoutMs, this.#maxBytes);
      } catch (error) {
        if (error instanceof SyncFetchError && error.tooLarge) throw new HttpLimitError(`response from ${url.host} is larger than ${this.#maxBytes} bytes`);
        throw error;
      }
      const next = this.#redirect(current, answer, hop);
      if (!next) return toResponse(answer);
      current = next;
    }
  }

  close(): void {
    this.#sync.close();
  }

  async #fetchHop(spec: HttpRequestSpec, isAllowed: (url: URL) => string | null): Promise<Hop> {
    const url = checked(spec.url, isAllowed);
    let response: Response;
    try {
      response = await fetch(url, {
        method: spec.method,
        headers: spec.headers,
        body: spec.body === undefined || spec.method === "GET" || spec.method === "HEAD" ? undefined : spec.body,
        redirect: "manual",
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      const e = error as Error & { cause?: { code?: string; message?: string } };
      if (e.name === "TimeoutError") throw new Error(`timed out after ${this.#timeoutMs} ms`);
      throw new Error(`${e.message}${e.cause ? `: ${e.cause.code ?? e.cause.message}` : ""}`);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (response.body) {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength;
        if (size > this.#maxBytes) throw new HttpLimitError(`response from ${url.host} is larger than ${this.#maxBytes} bytes`);
        chunks.push(chunk);
      }
    }
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => (headers[name] = value));
    return { status: response.status, headers, bytes: Buffer.concat(chunks) };
  }

  /** The next hop of a redirect, or null when the answer is final. */
  #redirect(current: HttpRequestSpec, answer: Hop, hop: number): HttpRequestSpec | null {
    const location = answer.headers["location"];
    if (answer.status < 300 || answer.status >= 400 || !location) return null;
    if (hop >= this.#maxRedirects) throw new Error(`more than ${this.#maxRedirects} redirects, last to ${location}`);
    // 303 (and 301/302 after POST, as browsers do) turn into a GET without a body.
    const toGet = answer.status === 303 || ((answer.status === 301 || answer.status === 302) && current.method === "POST");
    const next: HttpRequestSpec = { ...current, url: new URL(location, current.url).toString() };
    if (toGet) {
      next.method = "GET";
      delete next.body;
    }
    return next;
  }
}

function checked(url: string, isAllowed: (url: URL) => string | null): URL {
  const parsed = new URL(url);
  const denied = isAllowed(parsed);
  if (denied) throw new HttpDeniedError(denied);
  return parsed;
}

function toResponse({ status, headers, bytes }: Hop): HttpResponseSpec {
  try {
    return { status, headers, body: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    return { status, headers, body_base64: Buffer.from(bytes).toString("base64") };
  }
}
