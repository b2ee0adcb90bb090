import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHost, type Host } from "../src/index.js";
import { pluginDir, wat } from "./support/plugin-dir.js";

const manifest = { name: "faulty", version: "1.0.0", permissions: ["cache:read", "cache:write"] };
const REGISTRATION = '{"name":"faulty","version":"1.0.0"}';

/** A core-ABI module with a simple bump gk_alloc, a gk_register and the given body. */
function module(body: string, imports = ""): Uint8Array {
  return wat(`(module
    ${imports}
    (memory (export "memory") 1)
    (global $heap (mut i32) (i32.const 4096))
    (data (i32.const 16) ${JSON.stringify(REGISTRATION)})
    (data (i32.const 256) "\\ff\\fe not utf-8")
    (func (export "gk_alloc") (param $n i32) (result i32)
      (local $p i32)
      (local.set $p (global.get $heap))
      (global.set $heap (i32.add (global.get $heap) (local.get $n)))
      (local.get $p))
    (func (export "gk_register") (result i64)
      (i64.or (i64.shl (i64.const 16) (i64.const 32)) (i64.const ${REGISTRATION.length})))
    (func (export "ok") (param i32 i32) (result i64)
      (i64.or (i64.shl (i64.const 16) (i64.const 32)) (i64.const 4)))
    ${body})`);
}

describe("core ABI failures become clear errors, never a host crash", () => {
  let host: Host;
  const cleanups: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    host = await createHost({ database: { demo: { tickets: 10 } } });
  });
  afterEach(async () => {
    await host.close();
    await Promise.all(cleanups.splice(0).map((c) => c()));
  });

  async function load(wasm: Uint8Array, m: object = manifest) {
    const dir = await pluginDir(m, wasm);
    cleanups.push(dir.cleanup);
    return host.load(dir.dir);
  }

  it("reports a trap with E_TRAP, and the next call works on a fresh instance", async () => {
    await load(module(`(func (export "boom") (param i32 i32) (result i64) unreachable)`));
    const res = await host.call("faulty", "boom");
    expect(res.status).toBe(500);
    expect(res.error?.code).toBe("E_TRAP");
    expect(res.error?.message).toMatch(/^boom trapped: unreachable/);
    const next = await host.call("faulty", "ok");
    expect(next.status).toBe(200);
    expect(next.body).toBe('{"na');
  });

  it("logs the guest's frames of an abort, innermost first, for a source map to name the caller's line", async () => {
    // Function indices: the abort import 0, gk_alloc 1, gk_register 2, ok 3, $check 4, fail 5.
    const abort = `(import "env" "abort" (func $abort (param i32 i32 i32 i32)))`;
    await load(
      module(
        `(func $check (call $abort (i32.const 0) (i32.const 0) (i32.const 114) (i32.const 42)))
         (func (export "fail") (param i32 i32) (result i64) (call $check) (i64.const 0))`,
        abort,
      ),
    );
    const res = await host.call("faulty", "fail");
    expect(res.error?.code).toBe("E_TRAP");
    expect(res.error?.message).toBe("fail aborted: abort at ?:114:42");
    const entry = host.logs.list("faulty", "error").find((e) => e.message.startsWith("fail: "));
    const frames = entry?.fields.wasm_frames as { func: number; offset: number }[];
    expect(frames.map((f) => f.func)).toEqual([4, 5]);
    expect(frames[0]!.offset).toBeGreaterThan(0);
  });

  it("refuses a handler the module does not export", async () => {
    await load(module(""));
    const res = await host.call("faulty", "missing");
    expect(res.error).toEqual({ code: "E_UNKNOWN_HANDLER", message: 'the plugin does not export a handler named "missing"' });
    expect((await host.call("faulty", "gk_alloc")).error?.code).toBe("E_UNKNOWN_HANDLER");
  });

  it("refuses a result pointer outside memory", async () => {
    await load(module(`(func (export "bad") (param i32 i32) (result i64) (i64.or (i64.shl (i64.const 65530) (i64.const 32)) (i64.const 100)))`));
    const res = await host.call("faulty", "bad");
    expect(res.error?.code).toBe("E_BAD_POINTER");
    expect(res.error?.message).toBe("bad returned a bad result: pointer 65530 with length 100 is outside the plugin's memory (65536 bytes)");
  });

  it("refuses a result that is not UTF-8", async () => {
    await load(module(`(func (export "latin1") (param i32 i32) (result i64) (i64.or (i64.shl (i64.const 256) (i64.const 32)) (i64.const 14)))`));
    const res = await host.call("faulty", "latin1");
    expect(res.error?.code).toBe("E_INVALID_UTF8");
  });

  it("refuses a result above limits.max_result_bytes", async () => {
    await load(module(`(func (export "big") (param i32 i32) (result i64) (i64.or (i64.shl (i64.const 0) (i64.const 32)) (i64.const 2048)))`), {
      ...manifest,
      limits: { max_result_bytes: 1024 },
    });
    const res = await host.call("faulty", "big");
    expect(res.error?.code).toBe("E_RESULT_TOO_LARGE");
    expect(res.error?.message).toMatch(/big returned 2048 bytes, more than the limit of 1024/);
  });

  it("refuses a request above limits.max_request_bytes", async () => {
    await load(module(""), { ...manifest, limits: { max_request_bytes: 512 } });
    const res = await host.call("faulty", "ok", { body: "x".repeat(1000) });
    expect(res.status).toBe(413);
    expect(res.error?.code).toBe("E_REQUEST_TOO_LARGE");
  });

  it("names an import the host does not provide", async () => {
    const wasm = module("", `(import "host" "open_file" (func (param i32 i32) (result i32)))`);
    await expect(load(wasm)).rejects.toThrow(/imports function "host.open_file", which this host does not provide. Known host functions: db_query, db_exec/);
  });

  it("answers host calls with bad pointers or invalid UTF-8 with E_INVALID_ARGUMENT, via last_error", async () => {
    const wasm = module(
      `(func (export "bad_key") (param i32 i32) (result i64)
         (drop (call $cache_set (i32.const 256) (i32.const 14) (i32.const 16) (i32.const 4) (i32.const 0)))
         (call $last_error))
       (func (export "oob_key") (param i32 i32) (result i64)
         ;; Answers the ok bytes only when cache_set returned E_INVALID_ARGUMENT (2).
         (if (result i64) (i32.eq (call $cache_set (i32.const 65000) (i32.const 9999) (i32.const 16) (i32.const 4) (i32.const 0)) (i32.const 2))
           (then (i64.or (i64.shl (i64.const 16) (i64.const 32)) (i64.const 4)))
           (else (i64.const 0))))`,
      `(import "host" "cache_set" (func $cache_set (param i32 i32 i32 i32 i32) (result i32)))
       (import "host" "last_error" (func $last_error (result i64)))`,
    );
    await load(wasm);
    const envelope = await host.call("faulty", "bad_key");
    // The plugin returned the envelope as its own result: an error response with that code.
    expect(envelope.error).toEqual({ code: "E_INVALID_ARGUMENT", message: "an argument is not valid UTF-8" });
    const code = await host.call("faulty", "oob_key");
    expect(code.status).toBe(200);
    expect(code.body).toBe('{"na');
  });

  it("tells which gk_register field disagrees with the manifest", async () => {
    await expect(load(module(""), { ...manifest, version: "2.0.0" })).rejects.toThrow(/version/);
  });
});
