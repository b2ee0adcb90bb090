/**
 * Unit tests of the AssemblyScript guest SDK (packages/sdk/assembly): a harness module is compiled
 * with asc and run against a small in-test mock of the `host` imports. The end-to-end tests
 * through the real host live with the host.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import asc from "assemblyscript/asc";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";

const sdkDir = fileURLToPath(new URL("..", import.meta.url));

// Inline rather than a .ts file so that the package's `tsc` never sees AssemblyScript code.
const HARNESS = String.raw`import { JSON, host, parseRequest, packResult, packBytes, packJSON, packError, respond, Response, html, escapeHTML, Registration, register } from "../assembly/index";
export { gk_alloc, gk_abi_version } from "../assembly/index";

export function gk_register(): u64 {
  return register(
    new Registration("harness", "1.2.3")
      .description("SDK \"test\" harness")
      .permission("db:read")
      .permission("cache:read")
      .route("GET", "/x/:id", "echo", "echoes")
      .widget("w", "W", "widget", "agent_home", "small")
      .job("j", "*/5 * * * *", "nothing")
      .function("calc", "calculates")
      .function("area")
      .arg("width", "number")
      .arg("label", "string")
      .returns("html")
      .hook("after_save")
      .hook("ticket_created", "on_ticket")
      .menuItem("Harness", "/admin/harness", "star")
      .set("runtime", "wasm"),
  );
}

/** The raw input bytes as text (these tests call handlers with plain text, not envelopes). */
function text(ptr: u32, len: u32): string {
  return String.UTF8.decodeUnsafe(ptr, len);
}

export function json_roundtrip(ptr: u32, len: u32): u64 {
  const v = JSON.parse(text(ptr, len));
  return v == null ? packResult("invalid") : packJSON(v);
}

function describeValue(v: JSON.Value): JSON.Obj {
  return new JSON.Obj()
    .set("kind", <i32>v.kind)
    .set("null", v.isNullValue)
    .set("number", v.isNumber)
    .set("string", v.asString("-"))
    .set("int", v.asInt(-1))
    .set("float", v.asFloat(-1))
    .set("bool", v.asBool(false))
    .set("arr", v.isArr)
    .set("obj", v.isObj);
}

/** Describes each member of the input object with the Value accessors. */
export function json_inspect(ptr: u32, len: u32): u64 {
  const obj = JSON.parseObj(text(ptr, len));
  if (obj == null) return packResult("invalid");
  const out = new JSON.Obj();
  for (let i = 0; i < obj.keys.length; i++) out.set(obj.keys[i], describeValue(obj.get(obj.keys[i])!));
  return packJSON(out);
}

/** Reads typed members the way handlers read rows. */
export function json_getters(ptr: u32, len: u32): u64 {
  const row = JSON.parseObj(text(ptr, len))!;
  const tags = row.getArr("tags");
  const nested = row.getObj("nested");
  return packJSON(
    new JSON.Obj()
      .set("state", row.getString("state"))
      .set("count", row.getInt("count"))
      .set("ratio", row.getFloat("ratio"))
      .set("flag", row.getBool("flag"))
      .set("missing_is_null", row.isNull("missing"))
      .set("null_is_null", row.isNull("nothing"))
      .set("count_is_null", row.isNull("count"))
      .set("fallback", row.getString("missing", "dflt"))
      .set("wrong_type", row.getString("count", "not a string"))
      .set("tags", tags == null ? -1 : tags.length)
      .set("tag0", tags == null ? "" : tags.at(0)!.asString())
      .set("tag_oob", tags == null || tags.at(99) == null)
      .set("nested_a", nested == null ? -1 : nested.getInt("a")),
  );
}

export function json_build(ptr: u32, len: u32): u64 {
  const nothing: string | null = null;
  const nested = new JSON.Obj().set("a", 1);
  return packJSON(
    new JSON.Obj()
      .set("t", true)
      .set("f", false)
      .set("i32", -42)
      .set("u8", <u8>255)
      .set("i64max", i64.MAX_VALUE)
      .set("i64min", i64.MIN_VALUE)
      .set("half", 0.5)
      .set("f32", <f32>1.5)
      .set("whole", 2.0)
      .set("tiny", 1e-7)
      .set("huge", 1e300)
      .set("nan", NaN)
      .set("inf", -Infinity)
      .set("s", "tab\tquote\"backslash\\nl\nctl\x01\x1f del\x7f é 😀 \u2028")
      .set("nullable", nothing)
      .set("strings", ["a", "b"])
      .set("ints", [1, 2, 3])
      .set("nested", nested)
      .set("arr", new JSON.Arr().push(1).push("two").push(nested).push(new JSON.Null()))
      .set("i32", 7) // replaces the earlier value, keeps its position
      .set("quote\"key", "k"),
  );
}

export function json_quote(ptr: u32, len: u32): u64 {
  return packResult(JSON.quote(text(ptr, len)));
}

export function pack_error(ptr: u32, len: u32): u64 {
  return packError(text(ptr, len), 404, "NOT_FOUND");
}

export function pack_error_default(ptr: u32, len: u32): u64 {
  return packError(text(ptr, len));
}

export function echo(ptr: u32, len: u32): u64 {
  const req = parseRequest(ptr, len);
  const user = req.user;
  const job = req.job;
  const hook = req.hook;
  const body = req.json();
  return packJSON(
    new JSON.Obj()
      .set("kind", req.kind)
      .set("handler", req.handler)
      .set("method", req.method)
      .set("path", req.path)
      .set("params", req.params)
      .set("query", req.queryParams)
      .set("headers", req.headers)
      .set("body", req.body)
      .set(
        "user",
        user == null
          ? new JSON.Null()
          : new JSON.Obj().set("id", user.id).set("login", user.login).set("email", user.email).set("role", user.role),
      )
      .set("locale", req.locale)
      .set(
        "job",
        job == null
          ? new JSON.Null()
          : new JSON.Obj()
              .set("id", job.id)
              .set("schedule", job.schedule)
              .set("scheduled_at", job.scheduledAt)
              .set("attempt", job.attempt)
              .set("payload", job.payload),
      )
      .set("hook", hook == null ? new JSON.Null() : new JSON.Obj().set("event", hook.event).set("data", hook.data))
      .set("config", req.config)
      .set("page", req.queryInt("page", 1))
      .set("limit", req.queryInt("limit", 20))
      .set("id", req.param("id"))
      .set("q", req.query("q", "none"))
      .set("accept", req.header("Accept"))
      .set("body_json", body == null ? new JSON.Str("invalid") : body)
      .set("future", req.raw.getString("future_field")),
  );
}

export function status(ptr: u32, len: u32): u64 {
  return new Response(201).header("X-Custom", "yes").text("id,name\n1,a\n", "text/csv");
}

export function status_json(ptr: u32, len: u32): u64 {
  return new Response(202).json(new JSON.Obj().set("queued", true));
}

export function teapot(ptr: u32, len: u32): u64 {
  return respond(418, "short and stout");
}

export function widget(ptr: u32, len: u32): u64 {
  return html("<b>hi</b>");
}

export function escape_html(ptr: u32, len: u32): u64 {
  return html(escapeHTML(text(ptr, len)));
}

export function bytes(ptr: u32, len: u32): u64 {
  return packBytes(Uint8Array.wrap(String.UTF8.encode("héllo")));
}

export function lone_surrogate(ptr: u32, len: u32): u64 {
  return packResult(String.fromCharCode(0xd800) + "x");
}

export function nothing(ptr: u32, len: u32): u64 {
  return 0;
}

/** Calls the host before reading the request: the request bytes must still be intact. */
export function parse_late(ptr: u32, len: u32): u64 {
  host.dbQuery("SELECT 1");
  host.cacheGet("k");
  return packResult(parseRequest(ptr, len).path);
}

/** Runs "n" queries (query parameter n) and returns how many rows they returned in all. */
export function db_loop(ptr: u32, len: u32): u64 {
  const req = parseRequest(ptr, len);
  const n = req.queryInt("n", 1);
  let total = 0;
  for (let i: i64 = 0; i < n; i++) total += host.dbQuery("SELECT big").length;
  return packJSON(new JSON.Obj().set("rows", total));
}

function resultOf(ok: bool, error: string, code: string): JSON.Obj {
  return new JSON.Obj().set("ok", ok).set("error", error).set("code", code);
}

/** Runs the host calls listed in the body ([{"op": ...}, ...]) and reports each result. */
export function script(ptr: u32, len: u32): u64 {
  const ops = parseRequest(ptr, len).json()!.asArr()!;
  const out = new JSON.Arr();
  for (let i = 0; i < ops.length; i++) {
    const op = ops.at(i)!.asObj()!;
    const name = op.getString("op");
    const args = op.getArr("args");
    if (name == "query") {
      const rows = host.dbQuery(op.getString("sql"), args);
      const r = resultOf(rows.ok, rows.error, rows.code).set("length", rows.length).set("rows", rows.json);
      if (rows.length > 0) {
        const row = rows.row(0);
        r.set("state", row.getString("state")).set("count", row.getInt("count")).set("ratio", row.getFloat("ratio")).set("gone", row.isNull("gone"));
      }
      out.push(r);
    } else if (name == "exec") {
      const res = host.dbExec(op.getString("sql"), args);
      out.push(
        resultOf(res.ok, res.error, res.code)
          .set("rows_affected", res.rowsAffected)
          .set("last_insert_id", res.hasLastInsertId ? new JSON.Int(res.lastInsertId) : new JSON.Null()),
      );
    } else if (name == "get") {
      const v = host.cacheGet(op.getString("key"));
      out.push(new JSON.Obj().set("value", v));
    } else if (name == "lookup") {
      const res = host.cacheLookup(op.getString("key"));
      out.push(resultOf(res.ok, res.error, res.code).set("found", res.found).set("value", res.value));
    } else if (name == "set") {
      out.push(new JSON.Obj().set("code", host.cacheSet(op.getString("key"), op.getString("value"), <i32>op.getInt("ttl"))));
    } else if (name == "delete") {
      out.push(new JSON.Obj().set("code", host.cacheDelete(op.getString("key"))));
    } else if (name == "http") {
      const res = host.httpRequest(op.getString("method"), op.getString("url"), op.getObj("headers"), op.getString("body"));
      out.push(
        resultOf(res.ok, res.error, res.code)
          .set("status", res.status)
          .set("headers", res.headers)
          .set("body", res.body)
          .set("body_base64", res.bodyBase64)
          .set("content_type", res.header("Content-Type")),
      );
    } else if (name == "email") {
      const to = op.getArr("to")!;
      const list = new Array<string>();
      for (let k = 0; k < to.length; k++) list.push(to.at(k)!.asString());
      const res = host.sendEmail(list, op.getString("subject"), op.getString("body"), op.getArr("attachments"));
      out.push(resultOf(res.ok, res.error, res.code).set("id", res.id));
    } else if (name == "schedule") {
      const res = host.scheduleJob(op.getString("cron"), op.getString("handler"), op.get("payload"));
      out.push(resultOf(res.ok, res.error, res.code).set("id", res.id).set("next_run", res.nextRun));
    } else if (name == "log") {
      host.debug("d", null);
      host.info("i", new JSON.Obj().set("n", 1));
      host.warn("w");
      host.error("e \"quoted\"", new JSON.Obj().set("s", "x"));
      host.log("custom", "c");
      out.push(new JSON.Obj().set("logged", 5));
    } else if (name == "last_error") {
      const err = host.lastError();
      out.push(err == null ? new JSON.Null() : new JSON.Obj().set("message", err.message).set("code", err.code).set("errno", err.errno));
    }
  }
  return packJSON(out);
}
`;

/** Compiles an entry file (served from memory, importing the SDK as "../assembly/index"). */
async function compile(source: string): Promise<{ binary: Uint8Array<ArrayBuffer> | null; diagnostics: string }> {
  let binary: Uint8Array<ArrayBuffer> | null = null;
  const { error, stderr } = await asc.main(["test/entry.ts", "--outFile", "entry.wasm", "--baseDir", sdkDir, "--noColors"], {
    readFile: (name: string, baseDir: string) => {
      if (name === "test/entry.ts") return source;
      try {
        return readFileSync(resolve(baseDir, name), "utf8");
      } catch {
        return null;
      }
    },
    writeFile: (_name: string, contents: string | Uint8Array) => {
      if (typeof contents !== "string") binary = new Uint8Array(contents);
    },
    listFiles: () => [],
    stdout: asc.createMemoryStream(),
    stderr: asc.createMemoryStream(),
  });
  return { binary, diagnostics: stderr.toString() + (error ? String(error) : "") };
}

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true });

interface Envelope {
  error: string;
  code: string;
}

const ERROR_CODES: Record<string, number> = { E_PERMISSION_DENIED: 1, E_INVALID_ARGUMENT: 2, E_LIMIT_EXCEEDED: 3, E_SERVICE: 4 };
const BIG = "x".repeat(64 * 1024);

type Handler = (ptr: number, len: number) => bigint;

/** One instance of the harness with a mock host that behaves as docs/host-functions.md says. */
class Guest {
  /** Host-function calls with their decoded arguments; `null` for a `(0, 0)` argument. */
  readonly calls: { fn: string; args: (string | null)[] }[] = [];
  readonly logs: { level: string | null; message: string | null; fields: string | null }[] = [];
  readonly cache = new Map<string, string>();
  lastError: Envelope | null = null;
  readonly exports: WebAssembly.Exports;
  readonly memory: WebAssembly.Memory;

  constructor(module: WebAssembly.Module) {
    const instance = new WebAssembly.Instance(module, { env: this.env(), host: this.host() });
    this.exports = instance.exports;
    this.memory = instance.exports.memory as WebAssembly.Memory;
  }

  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  alloc(size: number): number {
    return (this.exports.gk_alloc as (n: number) => number)(size) >>> 0;
  }

  handler(name: string): Handler {
    return this.exports[name] as Handler;
  }

  /** Writes the input as a host writes a request, calls the handler and decodes its result. */
  call(name: string, input: string | object = ""): string | null {
    const bytes = enc.encode(typeof input === "string" ? input : JSON.stringify(input));
    const ptr = this.alloc(bytes.length);
    new Uint8Array(this.memory.buffer, ptr, bytes.length).set(bytes);
    this.lastError = null; // the host clears it at the start of each handler call
    return this.result(this.handler(name)(ptr, bytes.length));
  }

  /** Calls the handler and parses its result as JSON. */
  json(name: string, input: string | object = ""): any {
    const out = this.call(name, input);
    if (out === null) throw new Error(`${name} returned nothing`);
    return JSON.parse(out);
  }

  result(packed: bigint): string | null {
    if (packed === 0n) return null;
    return dec.decode(new Uint8Array(this.memory.buffer, Number(packed >> 32n), Number(packed & 0xffff_ffffn)));
  }

  private str(ptr: number | undefined, len: number | undefined): string | null {
    if (!ptr && !len) return null;
    return dec.decode(new Uint8Array(this.memory.buffer, ptr! >>> 0, len! >>> 0));
  }

  private out(value: unknown): bigint {
    const bytes = enc.encode(typeof value === "string" ? value : JSON.stringify(value));
    const ptr = this.alloc(Math.max(1, bytes.length));
    new Uint8Array(this.memory.buffer, ptr, bytes.length).set(bytes);
    return (BigInt(ptr) << 32n) | BigInt(bytes.length);
  }

  private fail(code: string, error: string): Envelope {
    this.lastError = { error, code };
    return this.lastError;
  }

  private record(fn: string, ...args: (string | null)[]): (string | null)[] {
    this.calls.push({ fn, args });
    return args;
  }

  private host(): Record<string, (...args: number[]) => number | bigint | void> {
    return {
      db_query: (q, ql, a, al) => {
        const [sql] = this.record("db_query", this.str(q, ql), this.str(a, al));
        if (sql === "FAIL") return this.out(this.fail("E_SERVICE", "no such table: nope"));
        if (sql === "DENY") return this.out(this.fail("E_PERMISSION_DENIED", 'permission denied: db_query needs "db:read"'));
        if (sql === "SELECT big") return this.out([{ blob: BIG }]);
        if (sql === "NOT JSON") return this.out("{oops");
        return this.out([
          { state: "open", count: 3, ratio: 0.5, gone: null },
          { state: "closed", count: 1, ratio: 1, gone: null },
        ]);
      },
      db_exec: (q, ql, a, al) => {
        const [sql] = this.record("db_exec", this.str(q, ql), this.str(a, al));
        if (sql === "FAIL") return this.out(this.fail("E_SERVICE", "UNIQUE constraint failed"));
        if (sql?.startsWith("INSERT")) return this.out({ rows_affected: 1, last_insert_id: 42 });
        return this.out({ rows_affected: 2, last_insert_id: null });
      },
      cache_get: (k, kl) => {
        const [key] = this.record("cache_get", this.str(k, kl));
        if (key === "boom") {
          this.fail("E_SERVICE", "cache down");
          return 0n;
        }
        const value = this.cache.get(key ?? "");
        return value === undefined ? 0n : this.out(value);
      },
      cache_set: (k, kl, v, vl, ttl) => {
        const [key, value] = this.record("cache_set", this.str(k, kl), this.str(v, vl), String(ttl));
        if (!key) return ERROR_CODES[this.fail("E_INVALID_ARGUMENT", "empty key").code]!;
        if (key === "boom") return ERROR_CODES[this.fail("E_SERVICE", "cannot set").code]!;
        this.cache.set(key, value ?? "");
        return 0;
      },
      cache_delete: (k, kl) => {
        const [key] = this.record("cache_delete", this.str(k, kl));
        if (key === "boom") return ERROR_CODES[this.fail("E_LIMIT_EXCEEDED", "too many deletes").code]!;
        this.cache.delete(key ?? "");
        return 0;
      },
      http_request: (m, ml, u, ul, h, hl, b, bl) => {
        const [, url] = this.record("http_request", this.str(m, ml), this.str(u, ul), this.str(h, hl), this.str(b, bl));
        if (url?.includes("denied")) return this.out(this.fail("E_PERMISSION_DENIED", 'add "denied.example" to manifest.http.allowed_hosts'));
        if (url?.includes("binary")) return this.out({ status: 200, headers: {}, body_base64: "AAE=" });
        return this.out({ status: 201, headers: { "content-type": "text/plain" }, body: "pong ✓" });
      },
      send_email: (t, tl, s, sl, b, bl, a, al) => {
        const [to] = this.record("send_email", this.str(t, tl), this.str(s, sl), this.str(b, bl), this.str(a, al));
        if (to === "[]") return this.out(this.fail("E_INVALID_ARGUMENT", "no recipient"));
        return this.out({ id: "msg-1" });
      },
      schedule_job: (c, cl, h, hl, p, pl) => {
        const [cron] = this.record("schedule_job", this.str(c, cl), this.str(h, hl), this.str(p, pl));
        if (cron === "bad") return this.out(this.fail("E_INVALID_ARGUMENT", "bad cron: expected 5 or 6 fields"));
        return this.out({ id: "job-1", next_run: "2026-11-22T06:00:00.000Z" });
      },
      log: (l, ll, m, ml, f, fl) => {
        this.logs.push({ level: this.str(l, ll), message: this.str(m, ml), fields: this.str(f, fl) });
      },
      last_error: () => (this.lastError ? this.out(this.lastError) : 0n),
    };
  }

  private env(): Record<string, (...args: number[]) => void> {
    // AssemblyScript strings are UTF-16 with their byte length 4 bytes before the data.
    const asString = (ptr: number): string => {
      const len = new DataView(this.memory.buffer).getUint32(ptr - 4, true);
      return Buffer.from(this.memory.buffer, ptr, len).toString("utf16le");
    };
    return {
      abort: (msg, file, line, col) => {
        throw new Error(`abort: ${asString(msg!)} at ${asString(file!)}:${line}:${col}`);
      },
    };
  }
}

let module: WebAssembly.Module;
let diagnostics = "";

beforeAll(async () => {
  const compiled = await compile(HARNESS);
  diagnostics = compiled.diagnostics;
  if (!compiled.binary) throw new Error(`the harness did not compile:\n${diagnostics}`);
  module = new WebAssembly.Module(compiled.binary);
});

describe("the AssemblyScript SDK", () => {
  let guest: Guest;
  beforeEach(() => {
    guest = new Guest(module);
  });

  it("compiles without warnings and imports only module host and env.abort", () => {
    expect(diagnostics).toBe("");
    const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`);
    expect(imports.sort()).toEqual(
      [
        "env.abort",
        "host.cache_delete",
        "host.cache_get",
        "host.cache_set",
        "host.db_exec",
        "host.db_query",
        "host.http_request",
        "host.last_error",
        "host.log",
        "host.schedule_job",
        "host.send_email",
      ].sort(),
    );
    const exports = WebAssembly.Module.exports(module).map((e) => e.name);
    expect(exports).toEqual(expect.arrayContaining(["memory", "gk_alloc", "gk_abi_version", "gk_register"]));
  });

  it("refuses to compile JSON.from with an unsupported type", async () => {
    const bad = await compile(
      'import { JSON } from "../assembly/index";\nexport function f(): string { return JSON.from(new Map<string, i32>()).stringify(); }\n',
    );
    expect(bad.binary).toBeNull();
    expect(bad.diagnostics).toMatch(/not assignable/);
  });

  it("builds the registration document", () => {
    const registration = guest.result((guest.exports.gk_register as () => bigint)());
    expect(JSON.parse(registration!)).toEqual({
      name: "harness",
      version: "1.2.3",
      abi: 1,
      description: 'SDK "test" harness',
      permissions: ["db:read", "cache:read"],
      routes: [{ method: "GET", path: "/x/:id", handler: "echo", description: "echoes" }],
      widgets: [{ id: "w", title: "W", handler: "widget", location: "agent_home", size: "small" }],
      jobs: [{ id: "j", schedule: "*/5 * * * *", handler: "nothing" }],
      functions: [
        { name: "calc", description: "calculates" },
        { name: "area", args: [{ name: "width", type: "number" }, { name: "label", type: "string" }], returns: "html" },
      ],
      hooks: ["after_save", { event: "ticket_created", handler: "on_ticket" }],
      menu_items: [{ label: "Harness", path: "/admin/harness", icon: "star" }],
      runtime: "wasm",
    });
    expect((guest.exports.gk_abi_version as () => number)()).toBe(1);
  });

  describe("JSON", () => {
    it.each([
      '{"a":1,"b":[true,false,null],"c":{"d":"e"}}',
      "  [ 1 , -2 , 3.25 , -0.5e-3 , 1E3 , 2e+2 , 0 ]  ",
      String.raw`"\u00e9\ud83d\ude00 \u00E9 \"q\" \\ \/ \b\f\n\r\t"`,
      '"plain é 😀 text"',
      '{"":"", "dup":1, "dup":2}',
      "[]",
      "{}",
      "[[[[[]]]]]",
      "123456789012",
      "-7",
      "true",
      "null",
    ])("reads and writes %s", (text) => {
      expect(JSON.parse(guest.call("json_roundtrip", text)!)).toEqual(JSON.parse(text));
    });

    it("keeps integers exact in the i64 range and reads larger ones as floats", () => {
      const ints = "[9223372036854775807,-9223372036854775808,9007199254740993]";
      expect(guest.call("json_roundtrip", ints)).toBe(ints);
      expect(guest.call("json_roundtrip", "9223372036854775808")).toBe("9223372036854776000.0"); // 2^63 as a float
      expect(guest.call("json_roundtrip", "-1e400")).toBe("null");
      expect(guest.call("json_roundtrip", "[0.1,1e-7,1.5e300,5e-324,2.5E-3]")).toBe("[0.1,1e-7,1.5e+300,5e-324,0.0025]");
    });

    it.each([
      "",
      " ",
      "{",
      "[1,]",
      '{"a":1,}',
      "{a:1}",
      "'s'",
      "01",
      "1.",
      ".5",
      "-",
      "1e",
      "+1",
      "tru",
      "nul",
      "[1] x",
      String.raw`"\x"`,
      String.raw`"\u12"`,
      String.raw`"\u12G4"`,
      '"unterminated',
      '"raw\u0001control"',
      '"raw\nnewline"',
      '{"a" 1}',
      "[1 2]",
    ])("rejects %j", (text) => {
      expect(guest.call("json_roundtrip", text)).toBe("invalid");
    });

    it("rejects nesting deeper than 512 levels instead of overflowing the stack", () => {
      expect(guest.call("json_roundtrip", "[".repeat(512) + "]".repeat(512))).toBe("[".repeat(512) + "]".repeat(512));
      expect(guest.call("json_roundtrip", "[".repeat(513) + "]".repeat(513))).toBe("invalid");
      expect(guest.call("json_roundtrip", "[".repeat(100_000))).toBe("invalid");
    });

    it("reads values through accessors that never trap", () => {
      const out = guest.json("json_inspect", { s: "hi", i: 42, f: 2.75, big: "12345678901234567890", numstr: "-17", t: true, n: null, a: [1], o: {} });
      // kind: Null 0, Bool 1, Int 2, Float 3, Str 4, Arr 5, Obj 6
      expect(out.s).toEqual({ kind: 4, null: false, number: false, string: "hi", int: -1, float: -1, bool: false, arr: false, obj: false });
      expect(out.i).toEqual({ kind: 2, null: false, number: true, string: "-", int: 42, float: 42, bool: true, arr: false, obj: false });
      expect(out.f).toMatchObject({ kind: 3, number: true, int: 2, float: 2.75 });
      expect(out.big).toMatchObject({ kind: 4, int: -1 });
      expect(out.numstr).toMatchObject({ kind: 4, int: -17, float: -1 });
      expect(out.t).toMatchObject({ kind: 1, bool: true, int: -1 });
      expect(out.n).toMatchObject({ kind: 0, null: true, string: "-" });
      expect(out.a).toMatchObject({ kind: 5, arr: true });
      expect(out.o).toMatchObject({ kind: 6, obj: true });
    });

    it("reads members with typed getters and fallbacks", () => {
      const row = { state: "open", count: 3, ratio: 0.25, flag: 1, nothing: null, tags: ["a", "b"], nested: { a: 9 } };
      expect(guest.json("json_getters", row)).toEqual({
        state: "open",
        count: 3,
        ratio: 0.25,
        flag: true,
        missing_is_null: true,
        null_is_null: true,
        count_is_null: false,
        fallback: "dflt",
        wrong_type: "not a string",
        tags: 2,
        tag0: "a",
        tag_oob: true,
        nested_a: 9,
      });
    });

    it("builds objects from AssemblyScript values", () => {
      const text = guest.call("json_build")!;
      expect(JSON.parse(text)).toEqual({
        t: true,
        f: false,
        i32: 7,
        u8: 255,
        i64max: 9223372036854775807,
        i64min: -9223372036854775808,
        half: 0.5,
        f32: 1.5,
        whole: 2,
        tiny: 1e-7,
        huge: 1e300,
        nan: null,
        inf: null,
        s: 'tab\tquote"backslash\\nl\nctl\u0001\u001f del\u007f é 😀 \u2028',
        nullable: null,
        strings: ["a", "b"],
        ints: [1, 2, 3],
        nested: { a: 1 },
        arr: [1, "two", { a: 1 }, null],
        'quote"key': "k",
      });
      expect(text).toContain('"i64max":9223372036854775807,"i64min":-9223372036854775808,');
      expect(text).toContain('{"t":true,"f":false,"i32":7,"u8":255,'); // a replaced key keeps its place
      expect(text).toContain(String.raw`ctl\u0001\u001f del`);
    });

    it.each(["", "plain", 'a "quoted" \\ path', "line\nbreak\r\ttab\b\f", "\u0000\u0001\u001f\u007f", "é😀\u2028\u2029", "</script>"])(
      "quotes %j as a JSON string",
      (s) => {
        const quoted = guest.call("json_quote", s)!;
        expect(JSON.parse(quoted)).toBe(s);
        expect(quoted).not.toMatch(/[\u0000-\u001f]/);
      },
    );
  });

  describe("results", () => {
    it("packs error envelopes with an escaped message", () => {
      const message = 'report "weekly" not found\nat C:\\reports\t😀';
      expect(guest.json("pack_error", message)).toEqual({ error: message, code: "NOT_FOUND", status: 404 });
      expect(guest.json("pack_error_default", "boom")).toEqual({ error: "boom", status: 500 });
    });

    it("builds gk_response envelopes", () => {
      expect(guest.json("status")).toEqual({
        gk_response: { status: 201, headers: { "x-custom": "yes", "content-type": "text/csv" }, body: "id,name\n1,a\n" },
      });
      expect(guest.json("status_json")).toEqual({
        gk_response: { status: 202, headers: { "content-type": "application/json" }, body: '{"queued":true}' },
      });
      expect(guest.json("teapot")).toEqual({ gk_response: { status: 418, body: "short and stout" } });
    });

    it("returns HTML, bytes and nothing", () => {
      expect(guest.call("widget")).toBe("<b>hi</b>");
      expect(guest.call("bytes")).toBe("héllo");
      expect(guest.call("nothing")).toBeNull();
    });

    it("escapes text for HTML", () => {
      expect(guest.call("escape_html", `<a href="x">Tom & Jerry's</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
      expect(guest.call("escape_html", "plain é")).toBe("plain é");
    });

    it("returns valid UTF-8 even for an unpaired surrogate", () => {
      expect(guest.call("lone_surrogate")).toBe("\ufffdx");
    });
  });

  describe("requests", () => {
    const envelope = {
      kind: "route",
      handler: "echo",
      method: "GET",
      path: "/api/plugins/harness/x/7",
      params: { id: "7" },
      query: { page: "3", q: "é & ü", limit: "ten" },
      headers: { accept: "application/json" },
      body: '{"n":[1,2]}',
      user: { id: 7, login: "agent.smith", email: "smith@example.com", role: "agent" },
      locale: "de",
      job: null,
      hook: null,
      config: { currency: "EUR" },
      future_field: "kept",
    };

    it("parses every field of the envelope", () => {
      const { future_field, ...fields } = envelope;
      expect(guest.json("echo", envelope)).toEqual({
        ...fields,
        page: 3,
        limit: 20, // "ten" is not an integer
        id: "7",
        q: "é & ü",
        accept: "application/json",
        body_json: { n: [1, 2] },
        future: future_field,
      });
    });

    it("reads anonymous users, jobs and hooks", () => {
      const job = { id: "refresh", schedule: "*/5 * * * *", scheduled_at: "2026-01-01T00:00:00Z", attempt: 2, payload: { full: true } };
      const out = guest.json("echo", { ...envelope, kind: "job", user: null, job, hook: { event: "after_save", data: [1] }, query: {} });
      expect(out.user).toBeNull();
      expect(out.job).toEqual(job);
      expect(out.hook).toEqual({ event: "after_save", data: [1] });
      expect(out.page).toBe(1);
      expect(out.q).toBe("none");
    });

    it("defaults missing fields and survives an unreadable envelope", () => {
      const empty = { kind: "", handler: "", method: "", path: "", params: {}, query: {}, headers: {}, body: "", user: null, locale: "", job: null, hook: null, config: {} };
      const expected = { ...empty, page: 1, limit: 20, id: "", q: "none", accept: "", body_json: "invalid", future: "" };
      expect(guest.json("echo", {})).toEqual(expected);
      expect(guest.json("echo", "not json")).toEqual(expected);
      expect(guest.json("echo", { job: { id: "j" } }).job).toEqual({ id: "j", schedule: "", scheduled_at: "", attempt: 1, payload: null });
    });

    it("keeps the request readable after host calls", () => {
      expect(guest.call("parse_late", { path: "/still/here" })).toBe("/still/here");
    });
  });

  describe("host functions", () => {
    const script = (ops: object[]): any[] => guest.json("script", { body: JSON.stringify(ops) });

    it("passes UTF-8 arguments and reads rows", () => {
      const [rows] = script([{ op: "query", sql: "SELECT 'é😀' WHERE a = ?", args: ["x", 1, true, null] }]);
      expect(guest.calls[0]).toEqual({ fn: "db_query", args: ["SELECT 'é😀' WHERE a = ?", '["x",1,true,null]'] });
      expect(rows).toMatchObject({ ok: true, error: "", code: "", length: 2, state: "open", count: 3, ratio: 0.5, gone: true });
      expect(rows.rows[1]).toEqual({ state: "closed", count: 1, ratio: 1, gone: null });
    });

    it("passes absent optional arguments as (0, 0)", () => {
      script([{ op: "query", sql: "SELECT 1" }, { op: "http", method: "GET", url: "http://127.0.0.1/x" }]);
      expect(guest.calls[0]!.args).toEqual(["SELECT 1", null]);
      expect(guest.calls[1]!.args).toEqual(["GET", "http://127.0.0.1/x", null, null]);
    });

    it("turns error envelopes into failed results", () => {
      const [denied, garbage, exec] = script([{ op: "query", sql: "DENY" }, { op: "query", sql: "NOT JSON" }, { op: "exec", sql: "FAIL" }]);
      expect(denied).toEqual({ ok: false, error: 'permission denied: db_query needs "db:read"', code: "E_PERMISSION_DENIED", length: 0, rows: [] });
      expect(garbage).toMatchObject({ ok: false, error: "db_query returned invalid JSON", code: "E_SERVICE" });
      expect(exec).toMatchObject({ ok: false, error: "UNIQUE constraint failed", code: "E_SERVICE", rows_affected: 0, last_insert_id: null });
    });

    it("reads db_exec results", () => {
      const [insert, update] = script([
        { op: "exec", sql: "INSERT INTO t (body) VALUES (?)", args: ["a"] },
        { op: "exec", sql: "UPDATE t SET body = ?", args: ["b"] },
      ]);
      expect(insert).toEqual({ ok: true, error: "", code: "", rows_affected: 1, last_insert_id: 42 });
      expect(update).toMatchObject({ ok: true, rows_affected: 2, last_insert_id: null });
    });

    it("tells cache hits, misses and failures apart", () => {
      guest.cache.set("empty", "");
      const out = script([
        { op: "set", key: "k", value: "v é", ttl: 60 },
        { op: "get", key: "k" },
        { op: "get", key: "missing" },
        { op: "lookup", key: "empty" },
        { op: "lookup", key: "missing" },
        { op: "lookup", key: "boom" },
        { op: "delete", key: "k" },
        { op: "get", key: "k" },
      ]);
      expect(guest.calls[0]!.args).toEqual(["k", "v é", "60"]);
      expect(out).toEqual([
        { code: 0 },
        { value: "v é" },
        { value: null },
        { ok: true, error: "", code: "", found: true, value: "" },
        { ok: true, error: "", code: "", found: false, value: "" },
        { ok: false, error: "cache down", code: "E_SERVICE", found: false, value: "" },
        { code: 0 },
        { value: null },
      ]);
    });

    it("does not mistake an earlier failure for a cache_get error", () => {
      const out = script([
        { op: "query", sql: "FAIL" },
        { op: "query", sql: "NOT JSON" }, // unreadable, but no failure in last_error
        { op: "lookup", key: "missing" }, // last_error still holds the first query's failure
        { op: "lookup", key: "boom" },
        { op: "lookup", key: "boom" }, // the same failure again
        { op: "lookup", key: "missing" },
        { op: "set", key: "boom", value: "x" },
        { op: "lookup", key: "missing" },
        { op: "last_error" },
      ]);
      expect(out.slice(2, 8).map((r) => r.ok ?? r.code)).toEqual([true, false, false, false, 4, true]);
      expect(out[8]).toEqual({ message: "cannot set", code: "E_SERVICE", errno: 4 });
    });

    it("returns cache_set and cache_delete error codes", () => {
      const out = script([{ op: "set", key: "", value: "x" }, { op: "delete", key: "boom" }, { op: "last_error" }]);
      expect(out).toEqual([{ code: 2 }, { code: 3 }, { message: "too many deletes", code: "E_LIMIT_EXCEEDED", errno: 3 }]);
    });

    it("makes HTTP requests", () => {
      const [ok, binary, denied] = script([
        { op: "http", method: "POST", url: "http://127.0.0.1/ping", headers: { "x-a": "1" }, body: "hi" },
        { op: "http", method: "GET", url: "http://127.0.0.1/binary" },
        { op: "http", method: "GET", url: "http://denied.example/" },
      ]);
      expect(guest.calls[0]!.args).toEqual(["POST", "http://127.0.0.1/ping", '{"x-a":"1"}', "hi"]);
      expect(ok).toEqual({ ok: true, error: "", code: "", status: 201, headers: { "content-type": "text/plain" }, body: "pong ✓", body_base64: "", content_type: "text/plain" });
      expect(binary).toMatchObject({ ok: true, body: "", body_base64: "AAE=" });
      expect(denied).toMatchObject({ ok: false, code: "E_PERMISSION_DENIED", status: 0 });
    });

    it("sends email and schedules jobs", () => {
      const attachments = [{ filename: "a.txt", content_type: "text/plain", content_base64: "aGk=" }];
      const out = script([
        { op: "email", to: ["a@example.com", "b@example.com"], subject: "Hi", body: "<html>x</html>", attachments },
        { op: "email", to: [], subject: "Hi", body: "x" },
        { op: "schedule", cron: "*/5 * * * *", handler: "on_job", payload: { full: true } },
        { op: "schedule", cron: "bad", handler: "on_job" },
      ]);
      expect(guest.calls[0]!.args).toEqual(['["a@example.com","b@example.com"]', "Hi", "<html>x</html>", JSON.stringify(attachments)]);
      expect(guest.calls[2]!.args).toEqual(["*/5 * * * *", "on_job", '{"full":true}']);
      expect(guest.calls[3]!.args).toEqual(["bad", "on_job", null]);
      expect(out).toEqual([
        { ok: true, error: "", code: "", id: "msg-1" },
        { ok: false, error: "no recipient", code: "E_INVALID_ARGUMENT", id: "" },
        { ok: true, error: "", code: "", id: "job-1", next_run: "2026-11-22T06:00:00.000Z" },
        { ok: false, error: "bad cron: expected 5 or 6 fields", code: "E_INVALID_ARGUMENT", id: "", next_run: "" },
      ]);
    });

    it("logs at every level", () => {
      expect(script([{ op: "log" }])).toEqual([{ logged: 5 }]);
      expect(guest.logs).toEqual([
        { level: "debug", message: "d", fields: null },
        { level: "info", message: "i", fields: '{"n":1}' },
        { level: "warn", message: "w", fields: null },
        { level: "error", message: 'e "quoted"', fields: '{"s":"x"}' },
        { level: "custom", message: "c", fields: null },
      ]);
    });
  });

  describe("memory", () => {
    it("answers gk_alloc with aligned, usable memory, and 0 only when it cannot", () => {
      expect(guest.alloc(0)).toBeGreaterThan(0);
      const big = guest.alloc(3 << 20);
      expect(big % 8).toBe(0);
      expect(big + (3 << 20)).toBeLessThanOrEqual(guest.memoryBytes);
      expect(guest.alloc(0x7fff_ffff)).toBe(0);
    });

    it("rewinds the arena when the next call starts", () => {
      const nothing = guest.handler("nothing");
      const ptrs = new Set<number>();
      for (let i = 0; i < 5; i++) {
        const ptr = guest.alloc(10_000);
        ptrs.add(ptr);
        nothing(ptr, 10_000);
      }
      expect(ptrs.size).toBe(1);
    });

    it("keeps one grown chunk after a request that outgrew the arena", () => {
      guest.call("nothing", "x".repeat(300_000));
      const before = guest.memoryBytes;
      const first = guest.alloc(300_000);
      guest.handler("nothing")(first, 0);
      expect(guest.alloc(300_000)).toBe(first);
      expect(guest.memoryBytes).toBe(before);
    });

    it("does not grow over 10,000 calls", () => {
      const request = { kind: "route", path: "/p", query: { page: "2" }, body: "b".repeat(4096) };
      for (let i = 0; i < 500; i++) guest.call("echo", request);
      const warm = guest.memoryBytes;
      for (let i = 0; i < 10_000; i++) guest.call(i % 2 ? "echo" : "nothing", request);
      expect(guest.memoryBytes).toBeLessThanOrEqual(warm + 128 * 1024);
    });

    it("releases host results during a call", () => {
      const before = guest.memoryBytes;
      expect(guest.json("db_loop", { query: { n: "500" } })).toEqual({ rows: 500 }); // 500 results of 64 KiB
      expect(guest.memoryBytes - before).toBeLessThan(4 << 20);
    });
  });
});
