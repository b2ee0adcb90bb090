/**
 * The start of the WAT test plugins: `$pack` builds the ABI's `ptr << 32 | len`, and `gk_alloc`
 * hands out one buffer at 64 KiB, growing memory as a request needs (like TinyGo's). Plugin
 * texts live below 64 KiB.
 */
export const PACK_AND_ALLOC = `(func $pack (param $ptr i32) (param $len i32) (result i64)
      (i64.or (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32)) (i64.extend_i32_u (local.get $len))))
    (func (export "gk_alloc") (param $size i32) (result i32) (local $need i32)
      (local.set $need (i32.sub
        (i32.div_u (i32.add (i32.add (i32.const 65536) (local.get $size)) (i32.const 65535)) (i32.const 65536))
        (memory.size)))
      (if (i32.gt_s (local.get $need) (i32.const 0))
        (then (if (i32.eq (memory.grow (local.get $need)) (i32.const -1)) (then (return (i32.const 0))))))
      (i32.const 65536))`;
