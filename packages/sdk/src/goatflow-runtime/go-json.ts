/**
 * Decoding JSON into a typed shape the way Go's encoding/json does, for the structs GoatFlow
 * unmarshals plugin JSON into: unknown keys are ignored, keys match fields case-insensitively,
 * `null` leaves the zero value, a value of the wrong JSON type is an error (Go keeps decoding and
 * returns the first one; all are collected here), and an `int` must be an integer literal
 * (`1.0` and `1e3` are errors). Number literals are kept as written, so this has its own parser.
 */

type JsonNode =
  | { t: "object"; entries: [string, JsonNode][] }
  | { t: "array"; items: JsonNode[] }
  | { t: "string"; v: string }
  | { t: "number"; raw: string }
  | { t: "bool"; v: boolean }
  | { t: "null" };

export class GoJsonSyntaxError extends Error {}

/** Parses JSON text, keeping number literals. */
export function parseJsonNode(text: string): JsonNode {
  let at = 0;
  const fail = (what: string): never => {
    throw new GoJsonSyntaxError(at >= text.length ? "unexpected end of JSON input" : `invalid character ${JSON.stringify(text[at])} ${what} (at offset ${at})`);
  };
  const ws = () => {
    while (at < text.length && " \t\n\r".includes(text[at]!)) at++;
  };
  const value = (): JsonNode => {
    ws();
    const c = text[at];
    if (c === "{") {
      at++;
      const entries: [string, JsonNode][] = [];
      ws();
      if (text[at] === "}") return at++, { t: "object", entries };
      for (;;) {
        ws();
        if (text[at] !== '"') fail("looking for beginning of object key string");
        const key = string();
        ws();
        if (text[at] !== ":") fail("after object key");
        at++;
        entries.push([key, value()]);
        ws();
        if (text[at] === ",") at++;
        else if (text[at] === "}") return at++, { t: "object", entries };
        else fail("after object key:value pair");
      }
    }
    if (c === "[") {
      at++;
      const items: JsonNode[] = [];
      ws();
      if (text[at] === "]") return at++, { t: "array", items };
      for (;;) {
        items.push(value());
        ws();
        if (text[at] === ",") at++;
        else if (text[at] === "]") return at++, { t: "array", items };
        else fail("after array element");
      }
    }
    if (c === '"') return { t: "string", v: string() };
    for (const [word, node] of [["true", { t: "bool", v: true }], ["false", { t: "bool", v: false }], ["null", { t: "null" }]] as const) {
      if (text.startsWith(word, at)) return (at += word.length), node;
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(at, at + 400));
    if (!m) return fail("looking for beginning of value");
    at += m[0].length;
    return { t: "number", raw: m[0] };
  };
  const string = (): string => {
    const start = at;
    at++;
    while (at < text.length && text[at] !== '"') {
      if (text[at] === "\\") at++;
      else if (text.charCodeAt(at) < 0x20) fail("in string literal");
      at++;
    }
    if (at >= text.length) fail("in string literal");
    at++;
    try {
      return JSON.parse(text.slice(start, at)) as string;
    } catch {
      at = start;
      return fail("in string escape");
    }
  };
  const node = value();
  ws();
  if (at < text.length) fail("after top-level value");
  return node;
}

/** A Go type, as far as GoatFlow's structs need. */
export type GoType =
  | { kind: "string" | "int" | "bool" | "any" }
  | { kind: "slice"; of: GoType }
  | { kind: "map"; of: GoType }
  | { kind: "struct"; name: string; fields: Record<string, GoType> };

export interface GoDecodeResult {
  value: unknown;
  /** Type errors, worded as Go's: each fails the whole unmarshal on GoatFlow. */
  errors: string[];
  /** Keys no field takes: GoatFlow ignores them silently. */
  ignored: string[];
}

const JSON_KIND: Record<JsonNode["t"], string> = { object: "object", array: "array", string: "string", number: "number", bool: "bool", null: "null" };

function goName(type: GoType): string {
  if (type.kind === "slice") return `[]${goName(type.of)}`;
  if (type.kind === "map") return `map[string]${goName(type.of)}`;
  if (type.kind === "struct") return `plugin.${type.name}`;
  if (type.kind === "any") return "interface {}";
  return type.kind;
}

function zero(type: GoType): unknown {
  if (type.kind === "string") return "";
  if (type.kind === "int") return 0;
  if (type.kind === "bool") return false;
  return null;
}

/** Decodes `text` into `type` as `json.Unmarshal` would; a syntax error is thrown as GoJsonSyntaxError. */
export function decodeGo(text: string, type: GoType): GoDecodeResult {
  const errors: string[] = [];
  const ignored: string[] = [];
  const root = parseJsonNode(text);
  const walk = (node: JsonNode, t: GoType, path: string, owner: string): unknown => {
    if (node.t === "null") return zero(t);
    const mismatch = (what = JSON_KIND[node.t]) => {
      const where = path ? `Go struct field ${owner}.${path}` : "Go value";
      errors.push(`json: cannot unmarshal ${what} into ${where} of type ${goName(t)}`);
      return zero(t);
    };
    switch (t.kind) {
      case "any":
        return toPlain(node);
      case "string":
        return node.t === "string" ? node.v : mismatch();
      case "bool":
        return node.t === "bool" ? node.v : mismatch();
      case "int": {
        if (node.t !== "number") return mismatch();
        if (!/^-?\d+$/.test(node.raw)) return mismatch(`number ${node.raw}`);
        const n = BigInt(node.raw);
        if (n > 2n ** 63n - 1n || n < -(2n ** 63n)) return mismatch(`number ${node.raw}`);
        return Number(n);
      }
      case "slice":
        if (node.t !== "array") return mismatch();
        return node.items.map((item) => walk(item, t.of, path, owner));
      case "map": {
        if (node.t !== "object") return mismatch();
        const out: Record<string, unknown> = {};
        for (const [k, v] of node.entries) out[k] = walk(v, t.of, path, owner);
        return out;
      }
      case "struct": {
        if (node.t !== "object") return mismatch();
        const out: Record<string, unknown> = {};
        const names = Object.keys(t.fields);
        for (const name of names) out[name] = zero(t.fields[name]!);
        for (const [key, v] of node.entries) {
          // Go prefers the exact name, then any name equal under case folding.
          const field = names.includes(key) ? key : names.find((n) => n.toLowerCase() === key.toLowerCase());
          const fieldPath = path ? `${path}.${field ?? key}` : (field ?? key);
          if (field === undefined) {
            ignored.push(fieldPath);
            continue;
          }
          out[field] = walk(v, t.fields[field]!, fieldPath, t.name);
        }
        return out;
      }
    }
  };
  return { value: walk(root, type, "", ""), errors, ignored };
}

function toPlain(node: JsonNode): unknown {
  switch (node.t) {
    case "object":
      return Object.fromEntries(node.entries.map(([k, v]) => [k, toPlain(v)]));
    case "array":
      return node.items.map(toPlain);
    case "number":
      return Number(node.raw);
    case "null":
      return null;
    default:
      return node.v;
  }
}
