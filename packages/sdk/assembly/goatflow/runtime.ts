/**
 * What AssemblyScript's standard library takes from the JavaScript embedder (`env.abort`,
 * `env.trace`, `env.seed`, `env.Date.now`), for `--target goatflow`, where the module may import
 * only `gk` and WASI. The build points the library at these with `asc --use`:
 * `abort=...gkAbort`, `trace=...gkTrace`, `seed=...gkSeed` and `Date=...GkDate`.
 */
import { Date as StdDate } from "~lib/date";
import { log } from "./host-calls";

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "clock_time_get")
declare function clock_time_get(id: u32, precision: u64, time: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "random_get")
declare function random_get(buf: usize, len: usize): u16;

const scratch = memory.data(8);

/** `abort()`, `assert` and `throw`: the message goes to the plugin's log, then the call traps. */
export function gkAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  let text = "abort: " + (message == null ? "(no message)" : message);
  if (fileName != null) text += " at " + fileName + ":" + line.toString() + ":" + column.toString();
  log("error", text, null);
  unreachable();
}

/** `trace()`: a debug line in the plugin's log. */
export function gkTrace(message: string, n: i32 = 0, a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0, a4: f64 = 0): void {
  let text = "trace: " + message;
  if (n > 0) text += " " + a0.toString();
  if (n > 1) text += ", " + a1.toString();
  if (n > 2) text += ", " + a2.toString();
  if (n > 3) text += ", " + a3.toString();
  if (n > 4) text += ", " + a4.toString();
  log("debug", text, null);
}

/** `Math.random()`'s seed, from WASI `random_get` (GoatFlow's is fixed-seed; a GoatKit host's is random). */
export function gkSeed(): f64 {
  random_get(scratch, 8);
  return reinterpret<f64>(load<u64>(scratch) | 1);
}

/** `Date` with `Date.now()` read from WASI's wall clock (GoatFlow's is fixed at 2022-01-01, +1 ms per read). */
export class GkDate extends StdDate {
  static now(): i64 {
    if (clock_time_get(0, 1000, scratch) != 0) return 0;
    return <i64>(load<u64>(scratch) / 1_000_000);
  }
}
