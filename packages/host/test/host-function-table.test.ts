import { afterEach, describe, expect, it } from "vitest";
import { HOST_FUNCTIONS } from "@goatkit/sdk/abi";
import { createHost, type Host } from "../src/index.js";
import { ABI_HOST_FUNCTIONS, ABI_IMPORTS } from "../src/host-functions/host-function-table.js";
import { pluginDir, wat } from "./support/plugin-dir.js";

describe("the host-function table", () => {
  it("offers exactly the SDK's typed ABI, with the same parameters and permissions", () => {
    expect([...ABI_IMPORTS.keys()]).toEqual(HOST_FUNCTIONS.map((f) => f.name));
    for (const spec of HOST_FUNCTIONS) {
      expect(ABI_IMPORTS.get(spec.name)?.permission, spec.name).toBe(spec.permission);
      const row = ABI_HOST_FUNCTIONS.find((e) => e.name === spec.name);
      if (!row) continue; // last_error: answered by each binding from its own state
      // A string or bytes argument is a (ptr, len) pair in the core ABI, a u32 one i32; flags are not passed.
      const params = row.args.reduce((n, a) => n + (a.kind === "string" || a.kind === "bytes" ? 2 : a.kind === "u32" ? 1 : 0), 0);
      expect(params, spec.name).toBe(spec.params.length);
      expect(row.result === "json" || row.result === "bytes" ? ["i64"] : row.result === "status" ? ["i32"] : [], spec.name).toEqual([...spec.results]);
    }
  });
});

describe("db_query's JSON reaches the guest as the host wrote it", () => {
  const SQL = "SELECT id, title FROM tickets ORDER BY id LIMIT 3";
  const REGISTRATION = '{"name":"rows","version":"1.0.0"}';
  // `rows` returns db_query's result as it is: the bytes the guest was given.
  const module = wat(`(module
    (import "host" "db_query" (func $db_query (param i32 i32 i32 i32) (result i64)))
    (memory (export "memory") 1)
    (global $heap (mut i32) (i32.const 4096))
    (data (i32.const 16) ${JSON.stringify(REGISTRATION)})
    (data (i32.const 256) ${JSON.stringify(SQL)})
    (func (export "gk_alloc") (param $n i32) (result i32)
      (local $p i32)
      (local.set $p (global.get $heap))
      (global.set $heap (i32.add (global.get $heap) (local.get $n)))
      (local.get $p))
    (func (export "gk_register") (result i64)
      (i64.or (i64.shl (i64.const 16) (i64.const 32)) (i64.const ${REGISTRATION.length})))
    (func (export "rows") (param i32 i32) (result i64)
      (call $db_query (i32.const 256) (i32.const ${SQL.length}) (i32.const 0) (i32.const 0))))`);
  let host: Host | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await host?.close();
    await cleanup?.();
  });

  for (const isolation of ["worker", "in-process"] as const) {
    it(`in a ${isolation} plugin: the rows' JSON text, byte for byte`, async () => {
      host = await createHost({ database: { demo: { tickets: 5 } }, isolation });
      const dir = await pluginDir({ name: "rows", version: "1.0.0", permissions: ["db:read"] }, module);
      cleanup = dir.cleanup;
      await host.load(dir.dir);
      const res = await host.call("rows", "rows");
      expect(res.error).toBeUndefined();
      const rows = await host.services.db.query(SQL, []);
      expect(rows).toHaveLength(3);
      expect(res.body).toBe(JSON.stringify(rows));
    });
  }
});
