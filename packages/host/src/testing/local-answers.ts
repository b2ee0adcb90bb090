import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpDeniedError } from "../services/http/fetch-http.js";
import type { HttpPolicy, HttpRequestSpec, HttpResponseSpec, HttpService } from "../services/types.js";

/** A canned answer for an outbound request. */
export interface HttpAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
}

/** Answers by `"METHOD url"` or `"url"` (any method); a function sees the request. */
export type HttpAnswers = Record<string, HttpAnswer | ((request: HttpRequestSpec) => HttpAnswer)>;

/**
 * The outside world of a test: a real HTTP server on 127.0.0.1 that answers as configured.
 * A plugin's requests keep their URLs (and so the allowed-hosts check) and are delivered to it.
 */
export class LocalAnswers implements HttpService {
  readonly requests: HttpRequestSpec[] = [];
  #server: Server | null = null;
  #origin = "";

  constructor(private readonly answers: HttpAnswers) {}

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString("utf8")));
      req.on("end", () => {
        const url = String(req.headers["x-goatkit-url"]);
        const method = req.method ?? "GET";
        const found = this.answers[`${method} ${url}`] ?? this.answers[url];
        if (!found) {
          res.writeHead(502, { "content-type": "text/plain" }).end(`no answer for ${method} ${url}; add it to the test host's http answers`);
          return;
        }
        const spec: HttpRequestSpec = { method, url, headers: req.headers as Record<string, string>, ...(body ? { body } : {}) };
        const answer = typeof found === "function" ? found(spec) : found;
        res.writeHead(answer.status ?? 200, { "content-type": "application/json", ...answer.headers }).end(answer.body ?? "");
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, "127.0.0.1", resolve));
    this.#origin = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async request(spec: HttpRequestSpec, policy: HttpPolicy): Promise<HttpResponseSpec> {
    const verdict = policy(new URL(spec.url));
    if ("denied" in verdict) throw new HttpDeniedError(verdict.denied);
    this.requests.push(spec);
    const response = await fetch(`${this.#origin}/`, {
      method: spec.method,
      headers: { ...spec.headers, "x-goatkit-url": spec.url },
      ...(spec.body !== undefined && spec.method !== "GET" && spec.method !== "HEAD" ? { body: spec.body } : {}),
    });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => (headers[name] = value));
    return { status: response.status, headers, body: await response.text() };
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}
