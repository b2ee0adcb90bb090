/**
 * Handler results (docs/envelopes.md, "Results"). Every function here returns the packed `u64`
 * a handler returns; `return 0` means "nothing" (an empty 204 for a route).
 */
import { JSON } from "./json";
import { packResult } from "./memory";

/** Returns a JSON value (content type `application/json` when it is an object or array). */
export function packJSON(value: JSON.Value): u64 {
  return packResult(value.stringify());
}

/**
 * Returns the error envelope `{"error", "code", "status"}`. The host logs it and answers with
 * `status` (400 to 599). `code` is a short upper-case name such as `NOT_FOUND`; omitted when "".
 */
export function packError(message: string, status: i32 = 500, code: string = ""): u64 {
  const env = new JSON.Obj().set("error", message);
  if (code.length > 0) env.set("code", code);
  return packJSON(env.set("status", status));
}

/**
 * Answers with one of the plugin's templates (`templates/<name>`) and the values it shows, instead
 * of HTML: the host renders it, autoescaped, with `{% use %}`, plugin functions and `t()` for the
 * plugin's `i18n/` strings (docs/templates.md). `status` defaults to 200.
 */
export function packTemplate(name: string, context: JSON.Obj = new JSON.Obj(), status: i32 = 200): u64 {
  const template = new JSON.Obj().set("name", name).set("context", context);
  if (status != 200) template.set("status", status);
  return packJSON(new JSON.Obj().set("gk_template", template));
}

/** Returns an HTML fragment (no `<html>` or `<body>`): the usual result of a widget. */
export function html(fragment: string): u64 {
  return packResult(fragment);
}

/** Escapes text for HTML content and quoted attribute values: `&`, `<`, `>`, `"` and `'`. */
export function escapeHTML(text: string): string {
  const out = new Array<string>();
  let start = 0;
  for (let i = 0, n = text.length; i < n; i++) {
    const c = text.charCodeAt(i);
    let entity: string;
    if (c == 0x26) entity = "&amp;";
    else if (c == 0x3c) entity = "&lt;";
    else if (c == 0x3e) entity = "&gt;";
    else if (c == 0x22) entity = "&quot;";
    else if (c == 0x27) entity = "&#39;";
    else continue;
    out.push(text.substring(start, i));
    out.push(entity);
    start = i + 1;
  }
  if (start == 0) return text;
  out.push(text.substring(start));
  return out.join("");
}

/** A response with a status and headers: `new Response(201).header("location", "/x/1").text(csv)`. */
export class Response {
  readonly headers: JSON.Obj = new JSON.Obj();

  constructor(public status: i32 = 200) {}

  /** Sets a header (names are sent in lower case). */
  header(name: string, value: string): Response {
    this.headers.set(name.toLowerCase(), value);
    return this;
  }

  /** Returns this response with a text body; sets `content-type` when given. */
  text(body: string, contentType: string = ""): u64 {
    if (contentType.length > 0) this.header("content-type", contentType);
    const res = new JSON.Obj().set("status", this.status);
    if (this.headers.size > 0) res.set("headers", this.headers);
    res.set("body", body);
    return packJSON(new JSON.Obj().set("gk_response", res));
  }

  /** Returns this response with a JSON body and `content-type: application/json`. */
  json(body: JSON.Value): u64 {
    return this.text(body.stringify(), "application/json");
  }
}

/** Shorthand for `new Response(status).text(body, contentType)`. */
export function respond(status: i32, body: string, contentType: string = ""): u64 {
  return new Response(status).text(body, contentType);
}
