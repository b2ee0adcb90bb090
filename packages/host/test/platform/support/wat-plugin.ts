import { wat } from "../../support/plugin-dir.js";
import { PACK_AND_ALLOC } from "../../support/wat-prelude.js";

/** What a handler of a generated test plugin does. */
export type WatHandler =
  /** Returns this text. */
  | { text: string }
  /** Returns the request envelope it was given, byte for byte. */
  | { echo: true }
  /** Returns an error envelope for its first `failFirst` calls (per instance), then `text`. */
  | { failFirst: number; text: string }
  /** Busy-loops `spin` iterations (tens of milliseconds per 10^8), then returns `text`. */
  | { spin: number; text: string };

/**
 * A core-ABI plugin written in WebAssembly text: `gk_register` answers name and version;
 * `gk_alloc` hands out one buffer at 64 KiB, grown as requests need (like TinyGo's); each
 * handler does what `handlers` says. Small enough to rebuild per test with other answers.
 */
export function watPlugin(name: string, version: string, handlers: Record<string, WatHandler>): Uint8Array {
  const data: string[] = [];
  const globals: string[] = [];
  const funcs: string[] = [];
  let offset = 1024;
  const place = (text: string): { at: number; len: number } => {
    const bytes = new TextEncoder().encode(text);
    const at = offset;
    data.push(`(data (i32.const ${at}) "${[...bytes].map((b) => `\\${b.toString(16).padStart(2, "0")}`).join("")}")`);
    offset += bytes.length + 16;
    return { at, len: bytes.length };
  };
  const registration = place(JSON.stringify({ name, version }));
  let index = 0;
  for (const [handler, behaviour] of Object.entries(handlers)) {
    index++;
    if ("echo" in behaviour) {
      funcs.push(`(func (export "${handler}") (param $p i32) (param $l i32) (result i64) (call $pack (local.get $p) (local.get $l)))`);
    } else if ("failFirst" in behaviour) {
      const ok = place(behaviour.text);
      const failed = place(JSON.stringify({ error: `${handler} failed on purpose`, code: "FLAKY", status: 503 }));
      globals.push(`(global $calls${index} (mut i32) (i32.const 0))`);
      funcs.push(`(func (export "${handler}") (param i32 i32) (result i64)
        (if (i32.lt_u (global.get $calls${index}) (i32.const ${behaviour.failFirst}))
          (then
            (global.set $calls${index} (i32.add (global.get $calls${index}) (i32.const 1)))
            (return (call $pack (i32.const ${failed.at}) (i32.const ${failed.len})))))
        (call $pack (i32.const ${ok.at}) (i32.const ${ok.len})))`);
    } else if ("spin" in behaviour) {
      const ok = place(behaviour.text);
      funcs.push(`(func (export "${handler}") (param i32 i32) (result i64) (local $n i32)
        (local.set $n (i32.const ${behaviour.spin}))
        (block $done (loop $again
          (br_if $done (i32.eqz (local.get $n)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $again)))
        (call $pack (i32.const ${ok.at}) (i32.const ${ok.len})))`);
    } else {
      const text = place(behaviour.text);
      funcs.push(`(func (export "${handler}") (param i32 i32) (result i64) (call $pack (i32.const ${text.at}) (i32.const ${text.len})))`);
    }
  }
  if (offset >= 65536) throw new Error(`watPlugin: ${offset} bytes of texts do not fit below the request buffer at 64 KiB; use shorter texts`);
  const pages = 2;
  return wat(`(module
    (memory (export "memory") ${pages})
    ${globals.join("\n")}
    ${data.join("\n")}
    ${PACK_AND_ALLOC}
    (func (export "gk_register") (result i64) (call $pack (i32.const ${registration.at}) (i32.const ${registration.len})))
    ${funcs.join("\n")}
  )`);
}
