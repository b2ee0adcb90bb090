// Modules the benchmarks run: the same trivial handler for every runtime, so the
// differences measured are the runtimes', not the plugins'.
import { createRequire } from "node:module";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const require = createRequire(new URL("../../packages/host/package.json", import.meta.url));
const wabt = await require("wabt")();

export function wat(source) {
  const module = wabt.parseWat("bench.wat", source, { bulk_memory: true });
  try {
    return new Uint8Array(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}

const tableOf = (name) => `${name.replace(/-/g, "_")}_writes`;

/** A core-ABI plugin: `ok` answers "ok"; `cached` makes one cache_get; `write` one db_exec; `spin` never returns. */
export function coreModule(name) {
  const registration = JSON.stringify({ name, version: "1.0.0" });
  const insert = `INSERT INTO ${tableOf(name)} (n) VALUES (1)`;
  return wat(`(module
  (import "host" "cache_get" (func $cache_get (param i32 i32) (result i64)))
  (import "host" "db_exec" (func $db_exec (param i32 i32 i32 i32) (result i64)))
  (memory (export "memory") 2)
  (data (i32.const 16) ${JSON.stringify(registration)})
  (data (i32.const 64) "ok")
  (data (i32.const 80) "key")
  (data (i32.const 96) ${JSON.stringify(insert)})
  (func $pack (param $p i32) (param $l i32) (result i64)
    (i64.or (i64.shl (i64.extend_i32_u (local.get $p)) (i64.const 32)) (i64.extend_i32_u (local.get $l))))
  (func (export "gk_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "gk_register") (result i64) (call $pack (i32.const 16) (i32.const ${registration.length})))
  (func (export "ok") (param i32 i32) (result i64) (call $pack (i32.const 64) (i32.const 2)))
  (func (export "cached") (param i32 i32) (result i64)
    (drop (call $cache_get (i32.const 80) (i32.const 3)))
    (call $pack (i32.const 64) (i32.const 2)))
  (func (export "write") (param i32 i32) (result i64)
    (drop (call $db_exec (i32.const 96) (i32.const ${insert.length}) (i32.const 0) (i32.const 0)))
    (call $pack (i32.const 64) (i32.const 2)))
  (func (export "spin") (param i32 i32) (result i64) (loop $l (br $l)) (i64.const 0)))`);
}

/**
 * The same trivial handler against GoatFlow's ABI (docs/goatflow.md): `gk_call` answers "ok"
 * whatever it is asked; `gk_malloc` hands out one buffer, which `gk_free` gives back.
 */
export function goatflowModule(name) {
  const registration = JSON.stringify({ name, version: "1.0.0" });
  return wat(`(module
  (memory (export "memory") 2)
  (data (i32.const 16) ${JSON.stringify(registration)})
  (data (i32.const 64) "ok")
  (global $next (mut i32) (i32.const 1024))
  (func $pack (param $p i32) (param $l i32) (result i64)
    (i64.or (i64.shl (i64.extend_i32_u (local.get $p)) (i64.const 32)) (i64.extend_i32_u (local.get $l))))
  (func (export "gk_malloc") (param $size i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $next))
    (global.set $next (i32.add (local.get $p) (local.get $size)))
    (local.get $p))
  (func (export "gk_free") (param i32) (global.set $next (i32.const 1024)))
  (func (export "gk_register") (result i64) (call $pack (i32.const 16) (i32.const ${registration.length})))
  (func (export "gk_call") (param i32 i32 i32 i32) (result i64) (call $pack (i32.const 64) (i32.const 2))))`);
}

/** The same "ok" handler against the Extism kernel, reading its input like ours does. */
export const extismWasm = wat(`(module
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (memory (export "memory") 1)
  (func (export "ok") (result i32)
    (local $o i64)
    (drop (call $input_length))
    (local.set $o (call $alloc (i64.const 2)))
    (call $store_u8 (local.get $o) (i32.const 111))
    (call $store_u8 (i64.add (local.get $o) (i64.const 1)) (i32.const 107))
    (call $output_set (local.get $o) (i64.const 2))
    (i32.const 0)))`);

/** A plugin folder for the bench module named `name`, owning one table for writes. */
export async function benchPluginDir(name, limits = { timeout_ms: 1000 }) {
  const dir = await mkdtemp(join(tmpdir(), `goatkit-bench-${name}-`));
  const manifest = {
    name,
    version: "1.0.0",
    permissions: ["cache:read", "db:write"],
    limits,
    migrations: [{ id: "001_writes", up: `CREATE TABLE ${tableOf(name)} (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)` }],
  };
  await writeFile(join(dir, "manifest.json"), JSON.stringify(manifest));
  await writeFile(join(dir, "plugin.wasm"), coreModule(name));
  return dir;
}

const sdkDir = new URL("../../packages/sdk/", import.meta.url).pathname;

/**
 * A TypeScript plugin folder built for the QuickJS binding: `ok` answers "ok", `cached` makes
 * one cache_get, as the core module's handlers do.
 */
export async function tsBenchPluginDir(name) {
  const { buildPlugin } = await import("../../packages/sdk/dist/index.js");
  const { mkdir, symlink } = await import("node:fs/promises");
  const dir = await mkdtemp(join(tmpdir(), `goatkit-bench-ts-${name}-`));
  await mkdir(join(dir, "node_modules", "@goatkit"), { recursive: true });
  await symlink(sdkDir, join(dir, "node_modules", "@goatkit", "sdk"), "dir");
  await mkdir(join(dir, "src"));
  await writeFile(join(dir, "manifest.json"), JSON.stringify({ name, version: "1.0.0", wasm: "plugin.wasm", permissions: ["cache:read"], limits: { timeout_ms: 1000 } }));
  await writeFile(
    join(dir, "src/index.ts"),
    `import { definePlugin, host, Registration } from "@goatkit/sdk/guest";
export default definePlugin({ register: new Registration(${JSON.stringify(name)}, "1.0.0"), handlers: { ok: () => "ok", cached: () => (host.cacheGet("key"), "ok") } });
`,
  );
  await buildPlugin({ dir });
  return dir;
}
