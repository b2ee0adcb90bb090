/**
 * Strings across the engine's boundary, whole. quickjs-emscripten moves a string as a
 * NUL-terminated UTF-8 C string, so one that holds U+0000 (`btoa` of random bytes, a binary body)
 * would arrive cut at the first NUL. These check for that and then move the string as JSON,
 * which escapes U+0000; the common case stays one copy.
 */
import type { QuickJSContext, QuickJSHandle } from "quickjs-emscripten-core";

/** The guest string behind `handle`, with every character. */
export function readString(ctx: QuickJSContext, handle: QuickJSHandle): string {
  const text = ctx.getString(handle);
  const lengthHandle = ctx.getProp(handle, "length");
  const length = ctx.getNumber(lengthHandle);
  lengthHandle.dispose();
  if (length === text.length) return text;
  const json = viaJson(ctx, "stringify", handle);
  try {
    return JSON.parse(ctx.getString(json)) as string;
  } finally {
    json.dispose();
  }
}

/** A guest string of `value`, with every character. */
export function newString(ctx: QuickJSContext, value: string): QuickJSHandle {
  if (!value.includes("\0")) return ctx.newString(value);
  const text = ctx.newString(JSON.stringify(value));
  try {
    return viaJson(ctx, "parse", text);
  } finally {
    text.dispose();
  }
}

function viaJson(ctx: QuickJSContext, method: "parse" | "stringify", argument: QuickJSHandle): QuickJSHandle {
  const json = ctx.getProp(ctx.global, "JSON");
  const fn = ctx.getProp(json, method);
  try {
    return ctx.unwrapResult(ctx.callFunction(fn, json, argument));
  } finally {
    fn.dispose();
    json.dispose();
  }
}
