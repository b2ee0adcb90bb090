/**
 * The header of a channel frame, in a compact binary form for the headers every call sends (a
 * call, a host call, a successful outcome or reply) and JSON for the rest (errors, the rare
 * operations). JSON cost about 0.75 µs per header here (stringify, encode, decode, parse), a
 * call sends two and each host call two more; this costs a few dozen nanoseconds.
 *
 * Layout: one tag byte, then the tag's fields. Strings are a u32 UTF-8 length and the bytes;
 * numbers are f64.
 */

const Tag = {
  /** Any header, as JSON text. */
  Json: 0,
  /** `{ op: "call", handler }`. */
  Call: 1,
  /** `{ ok: true, kind, value? }`: a call's outcome or a host call's reply. */
  Ok: 2,
  /** `{ fn, args }`: a host-function request. */
  HostCall: 3,
} as const;

/** The kinds an `Ok` header names, by their byte. */
const KINDS = ["bytes", "null", "number", "json", "text", "void"] as const;
const KIND_CODES = new Map<string, number>(KINDS.map((kind, code) => [kind, code]));

const Arg = { Null: 0, Number: 1, String: 2, True: 3, False: 4 } as const;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

type Scalar = string | number | boolean | null;

/** The form a header travels in: binary for the shapes above (exactly those keys), else JSON. */
export function tagOf(header: unknown): number {
  const h = header as Record<string, unknown>;
  if (h.op === "call" && typeof h.handler === "string" && Object.keys(h).length === 2) return Tag.Call;
  if (h.ok === true && KIND_CODES.has(h.kind as string) && Object.keys(h).every((key) => key === "ok" || key === "kind" || (key === "value" && typeof h.value === "number"))) return Tag.Ok;
  if (typeof h.fn === "string" && Array.isArray(h.args) && Object.keys(h).length === 2) return Tag.HostCall;
  return Tag.Json;
}

/** The most bytes `header` can take (UTF-8: at most 3 bytes per UTF-16 unit): the channel grows to this before writing. */
export function headerBound(header: unknown, tag = tagOf(header)): number {
  const h = header as Record<string, unknown>;
  switch (tag) {
    case Tag.Call:
      return 1 + 4 + (h.handler as string).length * 3;
    case Tag.Ok:
      return 1 + 1 + 1 + 8;
    case Tag.HostCall: {
      let bytes = 1 + 4 + (h.fn as string).length * 3 + 4;
      for (const arg of h.args as Scalar[]) bytes += 1 + (typeof arg === "string" ? 4 + arg.length * 3 : 8);
      return bytes;
    }
    default:
      return 1 + JSON.stringify(header).length * 3;
  }
}

/** Writes `header` at `at` in the form `tag`; answers the bytes written. `bytes` must have room for headerBound(header). */
export function writeHeader(bytes: Uint8Array, view: DataView, at: number, header: unknown, tag = tagOf(header)): number {
  const h = header as Record<string, unknown>;
  let pos = at;
  const string = (text: string) => {
    const { written } = encoder.encodeInto(text, bytes.subarray(pos + 4));
    view.setUint32(pos, written, true);
    pos += 4 + written;
  };
  if (tag === Tag.Call) {
    bytes[pos++] = Tag.Call;
    string(h.handler as string);
  } else if (tag === Tag.Ok) {
    bytes[pos++] = Tag.Ok;
    bytes[pos++] = KIND_CODES.get(h.kind as string)!;
    const hasValue = typeof h.value === "number";
    bytes[pos++] = hasValue ? 1 : 0;
    if (hasValue) {
      view.setFloat64(pos, h.value as number, true);
      pos += 8;
    }
  } else if (tag === Tag.HostCall) {
    bytes[pos++] = Tag.HostCall;
    string(h.fn as string);
    const args = h.args as Scalar[];
    view.setUint32(pos, args.length, true);
    pos += 4;
    for (const arg of args) {
      if (typeof arg === "string") {
        bytes[pos++] = Arg.String;
        string(arg);
      } else if (typeof arg === "number") {
        bytes[pos++] = Arg.Number;
        view.setFloat64(pos, arg, true);
        pos += 8;
      } else bytes[pos++] = arg === true ? Arg.True : arg === false ? Arg.False : Arg.Null;
    }
  } else {
    bytes[pos++] = Tag.Json;
    const { written } = encoder.encodeInto(JSON.stringify(header), bytes.subarray(pos));
    pos += written;
  }
  return pos - at;
}

/** Reads the header written at `at`, `length` bytes long. */
export function readHeader<T>(bytes: Uint8Array, view: DataView, at: number, length: number): T {
  let pos = at + 1;
  const string = (): string => {
    const size = view.getUint32(pos, true);
    pos += 4 + size;
    return textOf(bytes, pos - size, pos);
  };
  switch (bytes[at]) {
    case Tag.Call:
      return { op: "call", handler: string() } as T;
    case Tag.Ok: {
      const kind = KINDS[bytes[pos]!]!;
      const value = bytes[pos + 1] === 1 ? view.getFloat64(pos + 2, true) : undefined;
      return (value === undefined ? { ok: true, kind } : { ok: true, kind, value }) as T;
    }
    case Tag.HostCall: {
      const fn = string();
      const count = view.getUint32(pos, true);
      pos += 4;
      const args: Scalar[] = [];
      for (let i = 0; i < count; i++) {
        const type = bytes[pos++];
        if (type === Arg.String) args.push(string());
        else if (type === Arg.Number) {
          args.push(view.getFloat64(pos, true));
          pos += 8;
        } else args.push(type === Arg.True ? true : type === Arg.False ? false : null);
      }
      return { fn, args } as T;
    }
    default:
      return JSON.parse(textOf(bytes, pos, at + length)) as T;
  }
}

/** UTF-8 text of a range: short ASCII (handler and function names, cache keys) without a decoder. */
function textOf(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= 32) {
    let text = "";
    for (let i = start; i < end; i++) {
      const byte = bytes[i]!;
      if (byte >= 0x80) return decoder.decode(bytes.slice(start, end));
      text += String.fromCharCode(byte);
    }
    return text;
  }
  return decoder.decode(bytes.slice(start, end));
}
