/**
 * What the GoatFlow engine (QuickJS 2021-03-27, packages/sdk/goatflow-engine) lacks and the guest
 * SDK and common libraries use: `TextEncoder`/`TextDecoder` (UTF-8), `atob`/`btoa` and `console`
 * (to the plugin's log through `gk.log`). The build's entry imports this module first, so the
 * SDK's modules find them when they load. It imports nothing.
 */
const scope = globalThis as unknown as Record<string, unknown>;
const log = scope.__gk_log as ((level: number, text: string) => void) | undefined;

/** UTF-8 bytes of a string; lone surrogates become U+FFFD, as in browsers. */
export function utf8Encode(input: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < input.length; i++) {
    let c = input.charCodeAt(i);
    if (c >= 0xd800 && c < 0xe000) {
      const d = i + 1 < input.length ? input.charCodeAt(i + 1) : 0;
      if (c < 0xdc00 && d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else c = 0xfffd;
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return new Uint8Array(out);
}

/** The text of UTF-8 bytes; invalid sequences become U+FFFD, or throw with `fatal`. */
export function utf8Decode(bytes: Uint8Array, fatal = false): string {
  let out = "";
  let chunk: number[] = [];
  const bad = () => {
    if (fatal) throw new TypeError("The encoded data was not valid for encoding utf-8");
    return 0xfffd;
  };
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    // The lead byte gives the length; a wrong continuation, an overlong form or a surrogate is
    // one U+FFFD for the bytes read so far, as the WHATWG decoder does.
    const n = b < 0x80 ? 0 : b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1;
    let c = n === 0 ? b : n === 1 ? b & 0x1f : n === 2 ? b & 0x0f : b & 0x07;
    let read = 1;
    while (n > 0 && read <= n) {
      const next = bytes[i + read];
      if (next === undefined || (next & 0xc0) !== 0x80) break;
      c = (c << 6) | (next & 0x3f);
      read++;
    }
    const invalid = n < 0 || read <= n || (n === 2 && (c < 0x800 || (c >= 0xd800 && c < 0xe000))) || (n === 3 && (c < 0x10000 || c > 0x10ffff));
    if (invalid) {
      c = bad();
      i += n < 0 || read > n ? 1 : read;
    } else i += n + 1;
    if (c >= 0x10000) chunk.push(0xd800 + ((c - 0x10000) >> 10), 0xdc00 + ((c - 0x10000) & 0x3ff));
    else chunk.push(c);
    if (chunk.length > 4096) {
      out += String.fromCharCode(...chunk);
      chunk = [];
    }
  }
  return out + String.fromCharCode(...chunk);
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

export function base64Encode(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + (i + 1 < bytes.length ? B64[(n >> 6) & 63]! : "=") + (i + 2 < bytes.length ? B64[n & 63]! : "=");
  }
  return out;
}

export function base64Decode(text: string): Uint8Array {
  const clean = text.replace(/[\s=]/g, "");
  if (/[^A-Za-z0-9+/]/.test(clean) || clean.length % 4 === 1) throw new TypeError("the text is not valid base64");
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let at = 0;
  for (let i = 0; i < clean.length; i++) {
    value = (value << 6) | B64.indexOf(clean[i]!);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (value >> bits) & 0xff;
    }
  }
  return out;
}

class GoatflowTextEncoder {
  readonly encoding = "utf-8";
  encode(input = ""): Uint8Array {
    return utf8Encode(String(input));
  }
}

class GoatflowTextDecoder {
  readonly encoding = "utf-8";
  readonly fatal: boolean;
  readonly ignoreBOM: boolean;
  constructor(label = "utf-8", options: { fatal?: boolean; ignoreBOM?: boolean } = {}) {
    if (!/^(utf-?8|unicode-1-1-utf-8)$/i.test(label.trim())) throw new RangeError(`The "${label}" encoding is not supported (GoatFlow plugins decode UTF-8 only)`);
    this.fatal = options.fatal === true;
    this.ignoreBOM = options.ignoreBOM === true;
  }
  decode(input?: ArrayBuffer | ArrayBufferView): string {
    if (input === undefined) return "";
    const bytes = input instanceof ArrayBuffer ? new Uint8Array(input) : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    const text = utf8Decode(bytes, this.fatal);
    return !this.ignoreBOM && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }
}

const latin1 = (bytes: Uint8Array) => String.fromCharCode(...bytes);

scope.TextEncoder ??= GoatflowTextEncoder;
scope.TextDecoder ??= GoatflowTextDecoder;
scope.btoa ??= (text: string) => {
  const codes = Array.from(String(text), (ch) => ch.charCodeAt(0));
  if (codes.some((c) => c > 255)) throw new Error("btoa: the string has characters outside Latin-1");
  return base64Encode(new Uint8Array(codes));
};
scope.atob ??= (text: string) => latin1(base64Decode(String(text)));

if (log !== undefined && scope.console === undefined) {
  const format = (args: unknown[]) => args.map((a) => (typeof a === "string" ? a : a instanceof Error ? `${a.name}: ${a.message}` : JSON.stringify(a) ?? String(a))).join(" ");
  const at = (level: number) => (...args: unknown[]) => log(level, format(args));
  scope.console = { log: at(1), info: at(1), debug: at(0), trace: at(0), warn: at(2), error: at(3) };
}
