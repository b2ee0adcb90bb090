/**
 * What a plugin script finds besides the language: the host's clock, `console`, `TextEncoder`
 * and `TextDecoder`, `atob`/`btoa`, `crypto.getRandomValues`/`randomUUID`, and `Intl`. QuickJS-ng has none of these; the prelude below
 * defines them in the script's context over a few native functions of the worker (or host)
 * thread. `Intl` is Node's own: each formatter the script creates is a real Intl object on this
 * thread (full ICU, every time zone), reached synchronously, so no plugin carries a polyfill or
 * time-zone data. docs/typescript.md, "The engine", lists what the scripts get and what not.
 */
import { randomBytes } from "node:crypto";
import type { QuickJSContext, QuickJSHandle } from "quickjs-emscripten-core";
import type { StringBridge } from "./quickjs-strings.js";

export interface EnvironmentOptions {
  /** The host's clock (a test host's controlled clock reaches the script through it). */
  now: () => number;
  /** Where console lines go: `info` for log/info/debug, `error` for warn/error (as components). */
  log: (level: string, message: string, fieldsJson: string) => void;
}

/** The prelude's native functions, removed from the global object by the prelude itself. */
const NATIVE = "__goatkitNative";

const PRELUDE = String.raw`(() => {
  "use strict";
  const native = globalThis.${NATIVE};
  delete globalThis.${NATIVE};
  const define = (target, values) => {
    for (const [name, value] of Object.entries(values)) Object.defineProperty(target, name, { value, writable: true, configurable: true, enumerable: false });
  };

  // The host's clock: Date.now() and new Date() read it, so a call sees the host's time.
  const RealDate = Date;
  const now = () => native.now();
  const HostDate = new Proxy(RealDate, {
    construct: (target, args, newTarget) => Reflect.construct(target, args.length === 0 ? [now()] : args, newTarget),
    apply: () => new RealDate(now()).toString(),
  });
  define(RealDate, { now });
  define(RealDate.prototype, { constructor: HostDate });
  define(globalThis, { Date: HostDate });

  const describe = (value) => {
    if (typeof value === "string") return value;
    if (value instanceof Error) return value.stack ? value.name + ": " + value.message + "\n" + value.stack : value.name + ": " + value.message;
    if (typeof value === "object" && value !== null) {
      try { return JSON.stringify(value); } catch { return String(value); }
    }
    return String(value);
  };
  const line = (stream) => (...args) => native.log(stream === "stdout" ? "info" : "error", args.map(describe).join(" "), stream);
  const stdout = line("stdout"), stderr = line("stderr");
  define(globalThis, { console: { log: stdout, info: stdout, debug: stdout, trace: stdout, warn: stderr, error: stderr } });

  const bytesOf = (input) => {
    if (input === undefined) return new ArrayBuffer(0);
    if (input instanceof ArrayBuffer) return input.slice(0);
    if (ArrayBuffer.isView(input)) return input.buffer.slice(input.byteOffset, input.byteOffset + input.byteLength);
    throw new TypeError("TextDecoder.decode takes an ArrayBuffer or a view of one");
  };
  class TextEncoder {
    get encoding() { return "utf-8"; }
    encode(text = "") { return new Uint8Array(native.encode(String(text))); }
    encodeInto(text, destination) {
      text = String(text);
      let read = 0, written = 0;
      for (const char of text) {
        const bytes = this.encode(char);
        if (written + bytes.length > destination.length) break;
        destination.set(bytes, written);
        written += bytes.length;
        read += char.length;
      }
      return { read, written };
    }
  }
  class TextDecoder {
    #fatal; #ignoreBOM;
    constructor(label = "utf-8", options = {}) {
      if (!/^(utf-?8|unicode-1-1-utf-8)$/i.test(String(label).trim())) throw new RangeError("TextDecoder: only utf-8 is available in GoatKit plugins, not " + label);
      this.#fatal = Boolean(options.fatal);
      this.#ignoreBOM = Boolean(options.ignoreBOM);
    }
    get encoding() { return "utf-8"; }
    get fatal() { return this.#fatal; }
    get ignoreBOM() { return this.#ignoreBOM; }
    decode(input) { return native.decode(bytesOf(input), this.#fatal, this.#ignoreBOM); }
  }
  define(globalThis, { TextEncoder, TextDecoder, atob: (text) => native.atob(String(text)), btoa: (text) => native.btoa(String(text)) });

  // Secrets (tokens, feed URLs) need the host's CSPRNG; Math.random() is not one.
  const INTEGER_ARRAYS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array];
  const getRandomValues = (view) => {
    if (!INTEGER_ARRAYS.some((Kind) => view instanceof Kind)) throw new TypeError("crypto.getRandomValues takes an integer typed array");
    if (view.byteLength > 65536) throw new RangeError("crypto.getRandomValues: at most 65536 bytes at a time, not " + view.byteLength);
    new Uint8Array(view.buffer, view.byteOffset, view.byteLength).set(new Uint8Array(native.random(view.byteLength)));
    return view;
  };
  const randomUUID = () => {
    const b = getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  };
  define(globalThis, { crypto: { getRandomValues, randomUUID } });

  // Intl: each object is Node's, kept on the native side by its (kind, locales, options).
  const intl = (op, args) => {
    const reply = JSON.parse(native.intl(op, JSON.stringify(args)));
    if (reply.error) {
      const Kind = { RangeError, TypeError, SyntaxError }[reply.error.name] ?? Error;
      throw new Kind(reply.error.message);
    }
    return reply.value;
  };
  const time = (date) => (date === undefined ? now() : Number(date));
  const plain = (value) => value;
  const bridge = (kind, methods, bound = []) => {
    const keys = new WeakMap();
    const keyOf = (self) => {
      const key = keys.get(self);
      if (key === undefined) throw new TypeError("Intl." + kind + " method called on an incompatible receiver");
      return key;
    };
    const Ctor = function (locales, options) {
      if (new.target === undefined && kind !== "DateTimeFormat" && kind !== "NumberFormat" && kind !== "Collator") throw new TypeError("Intl." + kind + " must be called with new");
      const self = new.target === undefined ? Object.create(Ctor.prototype) : this;
      keys.set(self, intl("new", [kind, locales, options]));
      return self;
    };
    Object.defineProperty(Ctor, "name", { value: kind });
    const call = (self, method, args) => intl("call", [keyOf(self), method, args]);
    for (const [method, convert] of Object.entries(methods)) {
      const fn = function (...args) { return call(this, method, args.map(convert)); };
      Object.defineProperty(fn, "name", { value: method });
      if (bound.includes(method)) {
        Object.defineProperty(Ctor.prototype, method, { configurable: true, get() { const self = this; keyOf(self); return (...args) => fn.apply(self, args); } });
      } else {
        define(Ctor.prototype, { [method]: fn });
      }
    }
    define(Ctor.prototype, { resolvedOptions() { return call(this, "resolvedOptions", []); } });
    Object.defineProperty(Ctor.prototype, Symbol.toStringTag, { value: "Intl." + kind, configurable: true });
    define(Ctor, { supportedLocalesOf: (locales, options) => intl("supported", [kind, locales, options]) });
    return Ctor;
  };
  const Intl = {
    DateTimeFormat: bridge("DateTimeFormat", { format: time, formatToParts: time, formatRange: time, formatRangeToParts: time }, ["format"]),
    NumberFormat: bridge("NumberFormat", { format: Number, formatToParts: Number, formatRange: Number, formatRangeToParts: Number }, ["format"]),
    PluralRules: bridge("PluralRules", { select: Number, selectRange: Number }),
    Collator: bridge("Collator", { compare: String }, ["compare"]),
    RelativeTimeFormat: bridge("RelativeTimeFormat", { format: plain, formatToParts: plain }),
    ListFormat: bridge("ListFormat", { format: (list) => Array.from(list, String), formatToParts: (list) => Array.from(list, String) }),
    getCanonicalLocales: (locales) => intl("canonical", [locales]),
  };
  Object.defineProperty(Intl, Symbol.toStringTag, { value: "Intl", configurable: true });
  define(globalThis, { Intl });
  define(RealDate.prototype, {
    toLocaleString(locales, options) { return intl("date", ["toLocaleString", this.getTime(), locales, options]); },
    toLocaleDateString(locales, options) { return intl("date", ["toLocaleDateString", this.getTime(), locales, options]); },
    toLocaleTimeString(locales, options) { return intl("date", ["toLocaleTimeString", this.getTime(), locales, options]); },
  });
  define(Number.prototype, { toLocaleString(locales, options) { return intl("number", [Number(this), locales, options]); } });
  define(String.prototype, { localeCompare(that, locales, options) { return intl("compare", [String(this), String(that), locales, options]); } });
})();`;

/** Intl objects kept per (kind, locales, options); past this many the oldest is dropped. */
const MAX_INTL_OBJECTS = 256;

type IntlKind = "DateTimeFormat" | "NumberFormat" | "PluralRules" | "Collator" | "RelativeTimeFormat" | "ListFormat";
const INTL_KINDS = new Set<string>(["DateTimeFormat", "NumberFormat", "PluralRules", "Collator", "RelativeTimeFormat", "ListFormat"]);
const INTL_METHODS = new Set(["format", "formatToParts", "formatRange", "formatRangeToParts", "select", "selectRange", "compare", "resolvedOptions"]);

/** JSON turned `undefined` into `null`; Intl treats the two differently, and scripts meant undefined. */
const given = (value: unknown) => (value === null ? undefined : value);

/** The native half of `Intl` for one context. */
function intlBridge(): (op: string, argsJson: string) => string {
  const objects = new Map<string, Record<string, (...args: unknown[]) => unknown>>();
  const objectFor = (key: string) => {
    let object = objects.get(key);
    if (object === undefined) {
      const [kind, locales, options] = JSON.parse(key) as [IntlKind, unknown, unknown];
      const Ctor = Intl[kind] as unknown as new (locales: unknown, options: unknown) => Record<string, (...args: unknown[]) => unknown>;
      object = new Ctor(given(locales), given(options));
      if (objects.size >= MAX_INTL_OBJECTS) objects.delete(objects.keys().next().value!);
      objects.set(key, object);
    }
    return object;
  };
  const run = (op: string, args: unknown[]): unknown => {
    switch (op) {
      case "new": {
        if (!INTL_KINDS.has(String(args[0]))) throw new TypeError(`Intl.${String(args[0])} is not available`);
        const key = JSON.stringify([args[0], args[1] ?? null, args[2] ?? null]);
        objectFor(key);
        return key;
      }
      case "call": {
        const [key, method, callArgs] = args as [string, string, unknown[]];
        if (!INTL_METHODS.has(method)) throw new TypeError(`Intl method ${method} is not available`);
        const object = objectFor(key);
        if (typeof object[method] !== "function") throw new TypeError(`${method} is not a function`);
        return object[method]!(...callArgs);
      }
      case "supported": {
        const Ctor = Intl[args[0] as IntlKind] as unknown as { supportedLocalesOf(l: unknown, o: unknown): string[] };
        return Ctor.supportedLocalesOf(given(args[1]), given(args[2]));
      }
      case "canonical":
        return Intl.getCanonicalLocales(given(args[0]) as string[]);
      case "date": {
        const [method, ms, locales, options] = args as ["toLocaleString" | "toLocaleDateString" | "toLocaleTimeString", number, unknown, unknown];
        return new Date(ms)[method](given(locales) as string, given(options) as Intl.DateTimeFormatOptions);
      }
      case "number":
        return (args[0] as number).toLocaleString(given(args[1]) as string, given(args[2]) as Intl.NumberFormatOptions);
      case "compare":
        return (args[0] as string).localeCompare(args[1] as string, given(args[2]) as string, given(args[3]) as Intl.CollatorOptions);
      default:
        throw new TypeError(`unknown Intl operation ${op}`);
    }
  };
  return (op, argsJson) => {
    try {
      return JSON.stringify({ value: run(op, JSON.parse(argsJson) as unknown[]) });
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      return JSON.stringify({ error: { name: e.name, message: e.message } });
    }
  };
}

const utf8 = new TextDecoder("utf-8");
const utf8Fatal = new TextDecoder("utf-8", { fatal: true });
const utf8KeepBOM = new TextDecoder("utf-8", { ignoreBOM: true });
const utf8FatalKeepBOM = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/** Installs the environment in a fresh context. */
export function installEnvironment(ctx: QuickJSContext, strings: StringBridge, options: EnvironmentOptions): void {
  const intl = intlBridge();
  const fail = (name: string, message: string) => ({ error: ctx.newError({ name, message }) });
  const natives: Record<string, (...args: QuickJSHandle[]) => QuickJSHandle | { error: QuickJSHandle } | undefined> = {
    now: () => ctx.newNumber(options.now()),
    log: (level, message, stream) => {
      options.log(ctx.getString(level), strings.read(message), JSON.stringify({ stream: ctx.getString(stream) }));
      return undefined;
    },
    encode: (text) => {
      const bytes = encoder.encode(strings.read(text));
      return ctx.newArrayBuffer(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    },
    decode: (buffer, fatal, ignoreBOM) => {
      const bytes = ctx.getArrayBuffer(buffer);
      const decoder = ctx.dump(fatal) ? (ctx.dump(ignoreBOM) ? utf8FatalKeepBOM : utf8Fatal) : ctx.dump(ignoreBOM) ? utf8KeepBOM : utf8;
      try {
        return strings.create(decoder.decode(bytes.value));
      } catch {
        return fail("TypeError", "The encoded data was not valid utf-8");
      } finally {
        bytes.dispose();
      }
    },
    atob: (text) => {
      const value = strings.read(text).replace(/[\t\n\f\r ]/g, "");
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 === 1) return fail("InvalidCharacterError", "atob: the string is not valid base64");
      return strings.create(Buffer.from(value, "base64").toString("latin1"));
    },
    btoa: (text) => {
      const value = strings.read(text);
      if (/[^\u0000-\u00ff]/.test(value)) return fail("InvalidCharacterError", "btoa: the string has characters outside Latin-1; encode it as UTF-8 bytes first");
      return ctx.newString(Buffer.from(value, "latin1").toString("base64"));
    },
    intl: (op, args) => ctx.newString(intl(ctx.getString(op), ctx.getString(args))),
    random: (length) => {
      const bytes = randomBytes(ctx.getNumber(length));
      return ctx.newArrayBuffer(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    },
  };
  const object = ctx.newObject();
  for (const [name, fn] of Object.entries(natives)) {
    const handle = ctx.newFunction(name, fn);
    ctx.setProp(object, name, handle);
    handle.dispose();
  }
  ctx.setProp(ctx.global, NATIVE, object);
  object.dispose();
  ctx.unwrapResult(ctx.evalCode(PRELUDE, "goatkit-environment.js")).dispose();
}
