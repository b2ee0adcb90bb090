/**
 * Strings across the engine's boundary, whole. quickjs-emscripten moves a string as a
 * NUL-terminated UTF-8 C string, so one that holds U+0000 (`btoa` of random bytes, a binary body)
 * would arrive cut at the first NUL. The bridge checks for that and then moves the string as JSON,
 * which escapes U+0000; the common case stays one copy. It holds the context's own `JSON.parse`
 * and `JSON.stringify`, taken before the plugin's script runs, so no plugin code runs here (a
 * script that replaced `JSON` could otherwise run outside its call's deadline).
 */
import type { QuickJSContext, QuickJSHandle } from "quickjs-emscripten-core";

export class StringBridge {
  readonly #json: QuickJSHandle;
  readonly #parse: QuickJSHandle;
  readonly #stringify: QuickJSHandle;

  constructor(private readonly ctx: QuickJSContext) {
    this.#json = ctx.getProp(ctx.global, "JSON");
    this.#parse = ctx.getProp(this.#json, "parse");
    this.#stringify = ctx.getProp(this.#json, "stringify");
  }

  /** The guest string behind `handle`, with every character. */
  read(handle: QuickJSHandle): string {
    const text = this.ctx.getString(handle);
    const lengthHandle = this.ctx.getProp(handle, "length");
    const length = this.ctx.getNumber(lengthHandle);
    lengthHandle.dispose();
    if (length === text.length) return text;
    const json = this.ctx.unwrapResult(this.ctx.callFunction(this.#stringify, this.#json, handle));
    try {
      return JSON.parse(this.ctx.getString(json)) as string;
    } finally {
      json.dispose();
    }
  }

  /** A guest string of `value`, with every character. */
  create(value: string): QuickJSHandle {
    if (!value.includes("\0")) return this.ctx.newString(value);
    const text = this.ctx.newString(JSON.stringify(value));
    try {
      return this.ctx.unwrapResult(this.ctx.callFunction(this.#parse, this.#json, text));
    } finally {
      text.dispose();
    }
  }

  dispose(): void {
    this.#stringify.dispose();
    this.#parse.dispose();
    this.#json.dispose();
  }
}
