import type { HttpRequestSpec, HttpResponseSpec, HttpService } from "../types.js";
import { SyncFetch, SyncFetchError } from "./sync-fetch.js";

export interface FetchHttpOptions {
  timeoutMs?: number;
  maxResponseBytes?: number;
  maxRedirects?: number;
}

export class HttpDeniedError extends Error {}
export class HttpLimitError extends Error {}

/**
 * The embedded default HTTP client: Node's fetch behind a synchronous bridge, following
 * redirects itself so every hop is checked against the plugin's allowed hosts.
 */
export class FetchHttp implements HttpService {
  readonly #fetch = new SyncFetch();
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #maxRedirects: number;

  constructor(options: FetchHttpOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#maxBytes = options.maxResponseBytes ?? 5 * 1024 * 1024;
    this.#maxRedirects = options.maxRedirects ?? 5;
  }

  request(spec: HttpRequestSpec, isAllowed: (url: URL) => string | null): HttpResponseSpec {
    let current = { ...spec };
    for (let hop = 0; ; hop++) {
      const url = new URL(current.url);
      const denied = isAllowed(url);
      if (denied) throw new HttpDeniedError(denied);
      let answer;
      try {
        answer = this.#fetch.fetch(current, this.#timeoutMs, this.#maxBytes);
      } catch (error) {
        if (error instanceof SyncFetchError && error.tooLarge) throw new HttpLimitError(`response from ${url.host} is larger than ${this.#maxBytes} bytes`);
        throw error;
      }
      const location = answer.headers["location"];
      if (answer.status >= 300 && answer.status < 400 && location) {
        if (hop >= this.#maxRedirects) throw new Error(`more than ${this.#maxRedirects} redirects, last to ${location}`);
        // 303 (and 301/302 after POST, as browsers do) turn into a GET without a body.
        const toGet = answer.status === 303 || ((answer.status === 301 || answer.status === 302) && current.method === "POST");
        current = { ...current, url: new URL(location, url).toString(), ...(toGet ? { method: "GET", body: undefined } : {}) };
        continue;
      }
      return toResponse(answer.status, answer.headers, answer.bytes);
    }
  }

  close(): void {
    this.#fetch.close();
  }
}

function toResponse(status: number, headers: Record<string, string>, bytes: Uint8Array): HttpResponseSpec {
  try {
    return { status, headers, body: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    return { status, headers, body_base64: Buffer.from(bytes).toString("base64") };
  }
}
