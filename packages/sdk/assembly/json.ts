/**
 * A small JSON reader and writer for plugin envelopes, rows and responses.
 *
 * `JSON.parse` returns a tree of `JSON.Value`s (or `null` for invalid text); objects keep their
 * key order, integers stay exact `i64`s, and `stringify` writes strict JSON (all control
 * characters escaped, non-finite floats written as `null`).
 */
export namespace JSON {
  export enum Kind {
    Null,
    Bool,
    Int,
    Float,
    Str,
    Arr,
    Obj,
  }

  /** Any JSON value. Read it with the `is*` and `as*` accessors, which never trap. */
  export class Value {
    constructor(readonly kind: Kind) {}

    /** True for JSON `null` (`Obj.isNull(key)` tests a member). */
    get isNullValue(): bool {
      return this.kind == Kind.Null;
    }
    get isBool(): bool {
      return this.kind == Kind.Bool;
    }
    /** True for integers and floats. */
    get isNumber(): bool {
      return this.kind == Kind.Int || this.kind == Kind.Float;
    }
    get isString(): bool {
      return this.kind == Kind.Str;
    }
    get isArr(): bool {
      return this.kind == Kind.Arr;
    }
    get isObj(): bool {
      return this.kind == Kind.Obj;
    }

    /** The string, or `fallback` when this is not a string. */
    asString(fallback: string = ""): string {
      return this.kind == Kind.Str ? changetype<Str>(this).value : fallback;
    }

    /**
     * The number as an integer (floats are truncated), or `fallback`. A string holding an integer
     * also counts, because databases send integers beyond ±2^53 as strings.
     */
    asInt(fallback: i64 = 0): i64 {
      if (this.kind == Kind.Int) return changetype<Int>(this).value;
      if (this.kind == Kind.Float) {
        const f = changetype<Float>(this).value;
        return f > -9.2e18 && f < 9.2e18 ? <i64>f : fallback;
      }
      if (this.kind == Kind.Str) return parseInteger(changetype<Str>(this).value, fallback);
      return fallback;
    }

    /** The number as a float, or `fallback`. */
    asFloat(fallback: f64 = 0): f64 {
      if (this.kind == Kind.Float) return changetype<Float>(this).value;
      if (this.kind == Kind.Int) return <f64>changetype<Int>(this).value;
      return fallback;
    }

    /** The boolean, or `fallback`. Integers count as `value != 0` (SQLite stores booleans as 0/1). */
    asBool(fallback: bool = false): bool {
      if (this.kind == Kind.Bool) return changetype<Bool>(this).value;
      if (this.kind == Kind.Int) return changetype<Int>(this).value != 0;
      return fallback;
    }

    asArr(): Arr | null {
      return this.kind == Kind.Arr ? changetype<Arr>(this) : null;
    }

    asObj(): Obj | null {
      return this.kind == Kind.Obj ? changetype<Obj>(this) : null;
    }

    /** This value as JSON text. */
    stringify(): string {
      const out = new Array<string>();
      write(this, out);
      return out.join("");
    }
  }

  export class Null extends Value {
    constructor() {
      super(Kind.Null);
    }
  }

  export class Bool extends Value {
    constructor(readonly value: bool) {
      super(Kind.Bool);
    }
  }

  export class Int extends Value {
    constructor(readonly value: i64) {
      super(Kind.Int);
    }
  }

  export class Float extends Value {
    constructor(readonly value: f64) {
      super(Kind.Float);
    }
  }

  export class Str extends Value {
    constructor(readonly value: string) {
      super(Kind.Str);
    }
  }

  export class Arr extends Value {
    readonly items: Value[] = [];

    constructor() {
      super(Kind.Arr);
    }

    get length(): i32 {
      return this.items.length;
    }

    /** The item at `index`, or `null` when out of range. */
    at(index: i32): Value | null {
      return index >= 0 && index < this.items.length ? unchecked(this.items[index]) : null;
    }

    /** Appends a value (see `JSON.from` for the accepted types) and returns this array. */
    push<T>(value: T): Arr {
      this.items.push(from<T>(value));
      return this;
    }
  }

  export class Obj extends Value {
    /** The keys in insertion order. */
    readonly keys: string[] = [];
    private readonly map: Map<string, Value> = new Map();

    constructor() {
      super(Kind.Obj);
    }

    get size(): i32 {
      return this.keys.length;
    }

    /** Sets a member (see `JSON.from` for the accepted types) and returns this object. */
    set<T>(key: string, value: T): Obj {
      if (!this.map.has(key)) this.keys.push(key);
      this.map.set(key, from<T>(value));
      return this;
    }

    has(key: string): bool {
      return this.map.has(key);
    }

    /** The member, or `null` when absent. */
    get(key: string): Value | null {
      return this.map.has(key) ? this.map.get(key) : null;
    }

    /** True when the member is absent or JSON `null`. */
    isNull(key: string): bool {
      const v = this.get(key);
      return v == null || v.isNullValue;
    }

    getString(key: string, fallback: string = ""): string {
      const v = this.get(key);
      return v == null ? fallback : v.asString(fallback);
    }

    getInt(key: string, fallback: i64 = 0): i64 {
      const v = this.get(key);
      return v == null ? fallback : v.asInt(fallback);
    }

    getFloat(key: string, fallback: f64 = 0): f64 {
      const v = this.get(key);
      return v == null ? fallback : v.asFloat(fallback);
    }

    getBool(key: string, fallback: bool = false): bool {
      const v = this.get(key);
      return v == null ? fallback : v.asBool(fallback);
    }

    getArr(key: string): Arr | null {
      const v = this.get(key);
      return v == null ? null : v.asArr();
    }

    getObj(key: string): Obj | null {
      const v = this.get(key);
      return v == null ? null : v.asObj();
    }
  }

  /**
   * Wraps an AssemblyScript value: `bool`, any integer or float type, `string`, arrays of those,
   * or a `JSON.Value` (returned as is). `null` becomes JSON `null`. Other types do not compile.
   */
  export function from<T>(value: T): Value {
    if (isBoolean<T>()) {
      return new Bool(<bool>value);
    } else if (isInteger<T>()) {
      return new Int(<i64>value);
    } else if (isFloat<T>()) {
      return new Float(<f64>value);
    } else if (isNullable<T>() && changetype<usize>(value) == 0) {
      return new Null();
    } else if (isString<T>()) {
      return new Str(changetype<string>(value));
    } else if (isArray<T>()) {
      const arr = new Arr();
      // @ts-ignore: T is an array here
      for (let i = 0, n = value.length; i < n; i++) arr.push(unchecked(value[i]));
      return arr;
    } else {
      // A compile error here means JSON.from got an unsupported type.
      return changetype<Value>(<Value | null>value); // null was handled above
    }
  }

  /** Parses JSON text; `null` when it is not valid JSON. */
  export function parse(text: string): Value | null {
    const p = new Parser(text);
    const v = p.value();
    if (v == null) return null;
    p.skipSpace();
    return p.pos == text.length ? v : null;
  }

  /** Parses JSON text that must be an object; `null` when it is invalid or not an object. */
  export function parseObj(text: string): Obj | null {
    const v = parse(text);
    return v == null ? null : v.asObj();
  }

  /** Writes a value as JSON text. */
  export function stringify(value: Value): string {
    return value.stringify();
  }

  /** A string as a quoted JSON string literal. */
  export function quote(s: string): string {
    const out = new Array<string>();
    writeString(s, out);
    return out.join("");
  }

  // Writer

  function write(v: Value, out: string[]): void {
    switch (v.kind) {
      case Kind.Null:
        out.push("null");
        break;
      case Kind.Bool:
        out.push(changetype<Bool>(v).value ? "true" : "false");
        break;
      case Kind.Int:
        out.push(changetype<Int>(v).value.toString());
        break;
      case Kind.Float: {
        const f = changetype<Float>(v).value;
        out.push(isFinite(f) ? f.toString() : "null");
        break;
      }
      case Kind.Str:
        writeString(changetype<Str>(v).value, out);
        break;
      case Kind.Arr: {
        const items = changetype<Arr>(v).items;
        out.push("[");
        for (let i = 0; i < items.length; i++) {
          if (i > 0) out.push(",");
          write(unchecked(items[i]), out);
        }
        out.push("]");
        break;
      }
      case Kind.Obj: {
        const obj = changetype<Obj>(v);
        const keys = obj.keys;
        out.push("{");
        for (let i = 0; i < keys.length; i++) {
          if (i > 0) out.push(",");
          const key = unchecked(keys[i]);
          writeString(key, out);
          out.push(":");
          write(obj.get(key)!, out);
        }
        out.push("}");
        break;
      }
    }
  }

  const HEX = "0123456789abcdef";

  function writeString(s: string, out: string[]): void {
    out.push('"');
    let start = 0;
    for (let i = 0, n = s.length; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x20 && c != 0x22 && c != 0x5c) continue;
      if (i > start) out.push(s.substring(start, i));
      start = i + 1;
      if (c == 0x22) out.push('\\"');
      else if (c == 0x5c) out.push("\\\\");
      else if (c == 0x0a) out.push("\\n");
      else if (c == 0x0d) out.push("\\r");
      else if (c == 0x09) out.push("\\t");
      else if (c == 0x08) out.push("\\b");
      else if (c == 0x0c) out.push("\\f");
      else out.push("\\u00" + HEX.charAt(c >> 4) + HEX.charAt(c & 15));
    }
    if (start == 0) out.push(s);
    else if (start < s.length) out.push(s.substring(start));
    out.push('"');
  }

  // Reader

  /** Nesting deeper than this is rejected instead of overflowing the stack. */
  const MAX_DEPTH = 512;

  class Parser {
    pos: i32 = 0;
    private depth: i32 = 0;

    constructor(private readonly src: string) {}

    skipSpace(): void {
      const src = this.src;
      while (this.pos < src.length) {
        const c = src.charCodeAt(this.pos);
        if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
        this.pos++;
      }
    }

    value(): Value | null {
      this.skipSpace();
      if (this.pos >= this.src.length) return null;
      const c = this.src.charCodeAt(this.pos);
      if (c == 0x7b) return this.object();
      if (c == 0x5b) return this.array();
      if (c == 0x22) {
        const s = this.string();
        return s == null ? null : new Str(s);
      }
      if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
      if (this.literal("true")) return new Bool(true);
      if (this.literal("false")) return new Bool(false);
      if (this.literal("null")) return new Null();
      return null;
    }

    private literal(word: string): bool {
      const end = this.pos + word.length;
      if (end > this.src.length || this.src.substring(this.pos, end) != word) return false;
      this.pos = end;
      return true;
    }

    private object(): Obj | null {
      if (++this.depth > MAX_DEPTH) return null;
      this.pos++; // {
      const obj = new Obj();
      this.skipSpace();
      if (this.eat(0x7d)) {
        this.depth--;
        return obj;
      }
      do {
        this.skipSpace();
        if (this.peek() != 0x22) return null;
        const key = this.string();
        if (key == null) return null;
        this.skipSpace();
        if (!this.eat(0x3a)) return null;
        const v = this.value();
        if (v == null) return null;
        obj.set(key, v);
        this.skipSpace();
      } while (this.eat(0x2c));
      if (!this.eat(0x7d)) return null;
      this.depth--;
      return obj;
    }

    private array(): Arr | null {
      if (++this.depth > MAX_DEPTH) return null;
      this.pos++; // [
      const arr = new Arr();
      this.skipSpace();
      if (this.eat(0x5d)) {
        this.depth--;
        return arr;
      }
      do {
        const v = this.value();
        if (v == null) return null;
        arr.items.push(v);
        this.skipSpace();
      } while (this.eat(0x2c));
      if (!this.eat(0x5d)) return null;
      this.depth--;
      return arr;
    }

    /** Reads a string literal at `pos` (which holds the opening quote). */
    private string(): string | null {
      const src = this.src;
      const n = src.length;
      let i = this.pos + 1;
      let start = i;
      // Most strings have no escapes: return one substring for them.
      let parts: string[] | null = null;
      while (i < n) {
        const c = src.charCodeAt(i);
        if (c == 0x22) {
          const tail = src.substring(start, i);
          this.pos = i + 1;
          if (parts == null) return tail;
          parts.push(tail);
          return parts.join("");
        }
        if (c < 0x20) return null; // raw control characters are not allowed in JSON strings
        if (c != 0x5c) {
          i++;
          continue;
        }
        if (parts == null) parts = new Array<string>();
        parts.push(src.substring(start, i));
        if (i + 1 >= n) return null;
        const e = src.charCodeAt(i + 1);
        i += 2;
        if (e == 0x22 || e == 0x5c || e == 0x2f) parts.push(String.fromCharCode(e));
        else if (e == 0x6e) parts.push("\n");
        else if (e == 0x74) parts.push("\t");
        else if (e == 0x72) parts.push("\r");
        else if (e == 0x62) parts.push("\b");
        else if (e == 0x66) parts.push("\f");
        else if (e == 0x75) {
          // \uXXXX is one UTF-16 code unit; a surrogate pair is two escapes that end up adjacent.
          if (i + 4 > n) return null;
          let unit = 0;
          for (let k = 0; k < 4; k++) {
            const d = hexDigit(src.charCodeAt(i + k));
            if (d < 0) return null;
            unit = (unit << 4) | d;
          }
          parts.push(String.fromCharCode(unit));
          i += 4;
        } else return null;
        start = i;
      }
      return null; // unterminated
    }

    private number(): Value | null {
      const src = this.src;
      const n = src.length;
      const start = this.pos;
      let i = start;
      if (src.charCodeAt(i) == 0x2d) i++;
      if (i >= n) return null;
      if (src.charCodeAt(i) == 0x30) {
        i++;
      } else {
        const d = i;
        while (i < n && isDigit(src.charCodeAt(i))) i++;
        if (i == d) return null;
      }
      let integral = true;
      if (i < n && src.charCodeAt(i) == 0x2e) {
        integral = false;
        const d = ++i;
        while (i < n && isDigit(src.charCodeAt(i))) i++;
        if (i == d) return null;
      }
      if (i < n && (src.charCodeAt(i) | 0x20) == 0x65) {
        integral = false;
        i++;
        if (i < n && (src.charCodeAt(i) == 0x2b || src.charCodeAt(i) == 0x2d)) i++;
        const d = i;
        while (i < n && isDigit(src.charCodeAt(i))) i++;
        if (i == d) return null;
      }
      this.pos = i;
      const text = src.substring(start, i);
      if (integral) {
        // i64.MIN_VALUE doubles as "out of range" (floats take those), except for its own literal.
        const v = parseInteger(text, i64.MIN_VALUE);
        if (v != i64.MIN_VALUE || text == "-9223372036854775808") return new Int(v);
      }
      return new Float(parseFloat(text));
    }

    private peek(): i32 {
      return this.pos < this.src.length ? this.src.charCodeAt(this.pos) : -1;
    }

    private eat(c: i32): bool {
      if (this.peek() != c) return false;
      this.pos++;
      return true;
    }
  }

  function isDigit(c: i32): bool {
    return c >= 0x30 && c <= 0x39;
  }

  function hexDigit(c: i32): i32 {
    if (c >= 0x30 && c <= 0x39) return c - 0x30;
    c |= 0x20;
    if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
    return -1;
  }

  /** Parses an optionally signed decimal integer; `fallback` when malformed or out of the i64 range. */
  export function parseInteger(s: string, fallback: i64): i64 {
    const n = s.length;
    let i = 0;
    const negative = n > 0 && s.charCodeAt(0) == 0x2d;
    if (negative || (n > 0 && s.charCodeAt(0) == 0x2b)) i++;
    if (i == n) return fallback;
    // Accumulate negatively: the i64 range has one more negative value than positive ones.
    let acc: i64 = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (!isDigit(c)) return fallback;
      const d = <i64>(c - 0x30);
      if (acc < (i64.MIN_VALUE + d) / 10) return fallback;
      acc = acc * 10 - d;
    }
    if (negative) return acc;
    return acc == i64.MIN_VALUE ? fallback : -acc;
  }
}
