/**
 * Handler results (docs/envelopes.md, "Results"). Each helper returns the text a handler
 * returns; returning `null`, `undefined` or `""` means "nothing" (an empty 204 for a route).
 */

/** What a handler may return: text, nothing, or any other value, which is sent as JSON. */
export type HandlerResult = string | null | undefined | void | object | number | boolean;

/** Returns text as it is; the host reads it as JSON when it starts with `{` or `[`. */
export function packResult(text: string): string {
  return text;
}

/** Returns a value as JSON. */
export function packJSON(value: unknown): string {
  return JSON.stringify(value) ?? "null";
}

/**
 * Returns the error envelope `{"error", "code", "status"}`. The host logs it and answers with
 * `status` (400 to 599). `code` is a short upper-case name such as `NOT_FOUND`; omitted when "".
 */
export function packError(message: string, status = 500, code = ""): string {
  return JSON.stringify(code === "" ? { error: message, status } : { error: message, code, status });
}

/** Returns an HTML fragment (no `<html>` or `<body>`): the usual result of a widget. */
export function html(fragment: string): string {
  return fragment;
}

/**
 * Answers with one of the plugin's templates (`templates/<name>`) and the values it shows, instead
 * of HTML: the host renders it, autoescaped, with `{% use %}`, plugin functions and `t()` for the
 * plugin's `i18n/` strings (docs/templates.md). `status` defaults to 200.
 *
 * @example
 * return packTemplate("widget.html", { open: 12, queues: rows });
 */
export function packTemplate(name: string, context: Record<string, unknown> = {}, status = 200): string {
  return JSON.stringify({ gk_template: status === 200 ? { name, context } : { name, context, status } });
}

const HTML_ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML content and quoted attribute values: `&`, `<`, `>`, `"` and `'`. */
export function escapeHTML(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!);
}

/** A response with a status and headers: `new Response(201).header("location", "/x/1").text(csv)`. */
export class Response {
  readonly headers: Record<string, string> = {};

  constructor(public status = 200) {}

  /** Sets a header (names are sent in lower case). */
  header(name: string, value: string): this {
    this.headers[name.toLowerCase()] = value;
    return this;
  }

  /** Returns this response with a text body; sets `content-type` when given. */
  text(body: string, contentType = ""): string {
    if (contentType !== "") this.header("content-type", contentType);
    return JSON.stringify({ gk_response: this.#envelope(body) });
  }

  /** Returns this response with a JSON body and `content-type: application/json`. */
  json(body: unknown): string {
    return this.text(packJSON(body), "application/json");
  }

  /** A Response returned as it is (without `.text()`) is sent with an empty body. */
  toJSON(): { gk_response: object } {
    return { gk_response: this.#envelope("") };
  }

  #envelope(body: string): object {
    return Object.keys(this.headers).length > 0 ? { status: this.status, headers: this.headers, body } : { status: this.status, body };
  }
}

/** Shorthand for `new Response(status).text(body, contentType)`. */
export function respond(status: number, body: string, contentType = ""): string {
  return new Response(status).text(body, contentType);
}
