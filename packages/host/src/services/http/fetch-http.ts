import type { HttpPolicy, HttpRequestSpec, HttpResponseSpec, HttpService } from "../types.js";
import { HopRefusedError, HopTooLargeError, HttpRequestError, requestHop, type Hop, type HopLimits } from "./guarded-request.js";
import { SyncFetch } from "./sync-fetch.js";
import { GoatKitError } from "../../errors.js";

export interface FetchHttpOptions {
  timeoutMs?: number;
  maxResponseBytes?: number;
  maxRedirects?: number;
}

/** The URL or an address it resolves to is not allowed for the plugin. */
export class HttpDeniedError extends GoatKitError {
  constructor(message: string) {
    super("E_PERMISSION_DENIED", message);
    this.name = "HttpDeniedError";
  }
}
/** The response is larger than the cap. */
export class HttpLimitError extends GoatKitError {
  constructor(message: string) {
    super("E_LIMIT_EXCEEDED", message);
    this.name = "HttpLimitError";
  }
}

/**
 * The embedded default HTTP client. It follows redirects itself so that every hop is checked
 * against the plugin's allowed hosts, and checks the address each connection goes to.
 * `request` is asynchronous (isolated plugins); `requestSync` blocks on a helper thread
 * (in-process plugins).
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

  async request(spec: HttpRequestSpec, policy: HttpPolicy): Promise<HttpResponseSpec> {
    let current = spec;
    for (let hop = 0; ; hop++) {
      const limits = this.#limits(current.url, policy, hop);
      const answer = await requestHop(current, limits).catch(translate);
      const next = this.#redirect(current, answer, hop);
      if (!next) return toResponse(answer);
      current = next;
    }
  }

  requestSync(spec: HttpRequestSpec, policy: HttpPolicy): HttpResponseSpec {
    let current = spec;
    for (let hop = 0; ; hop++) {
      const limits = this.#limits(current.url, policy, hop);
      let answer: Hop;
      try {
        answer = this.#sync.fetch(current, limits);
      } catch (error) {
        return translate(error);
      }
      const next = this.#redirect(current, answer, hop);
      if (!next) return toResponse(answer);
      current = next;
    }
  }

  close(): void {
    this.#sync.close();
  }

  #limits(url: string, policy: HttpPolicy, hop: number): HopLimits {
    const verdict = policy(new URL(url));
    if ("denied" in verdict) throw new HttpDeniedError(hop === 0 ? verdict.denied : `permission denied: redirect to ${url} refused: ${verdict.denied.replace(/^permission denied: /, "")}`);
    return { timeoutMs: this.#timeoutMs, maxBytes: this.#maxBytes, allowPrivate: verdict.allowPrivate };
  }

  /** The next hop of a redirect, or null when the answer is final. */
  #redirect(current: HttpRequestSpec, answer: Hop, hop: number): HttpRequestSpec | null {
    const location = answer.headers["location"];
    if (answer.status < 300 || answer.status >= 400 || !location) return null;
    if (hop >= this.#maxRedirects) throw new HttpRequestError(`more than ${this.#maxRedirects} redirects, last to ${location}`, { fix: "request the final URL directly" });
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

function translate(error: unknown): never {
  if (error instanceof HopRefusedError) throw new HttpDeniedError(error.message);
  if (error instanceof HopTooLargeError) throw new HttpLimitError(error.message);
  throw error;
}

function toResponse({ status, headers, bytes }: Hop): HttpResponseSpec {
  try {
    return { status, headers, body: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    return { status, headers, body_base64: Buffer.from(bytes).toString("base64") };
  }
}
