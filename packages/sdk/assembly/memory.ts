/**
 * Guest memory for the core ABI (docs/abi.md, "Who owns memory").
 *
 * The host writes requests and host-function results into memory it gets from `gk_alloc`. That
 * memory comes from an arena outside the garbage-collected heap, so nothing the host writes can
 * be collected (or move) under it. The SDK copies every such buffer into an AssemblyScript string
 * as soon as it receives it, which lets the arena be reused freely:
 *
 * - each host-function wrapper rolls the arena back after it has copied the result, so a handler
 *   that calls the host in a loop does not grow it;
 * - the whole arena is rewound when the next call begins. The host only calls `gk_alloc` outside
 *   a host function to write the request of a new call, and by then it has copied the previous
 *   call's result. This works however a handler returns, including a bare `return 0`.
 *
 * Results go the other way: they are encoded into a managed buffer that a global keeps alive
 * until the next result replaces it, after the host has copied it.
 */

/** The arena grows in chunks of at least this many bytes. */
const MIN_CHUNK: usize = 64 * 1024;
/** Each chunk starts with a link to the chunk it replaced (freed on rewind); 16 keeps alignment. */
const HEADER: usize = 16;
/** Larger requests cannot be served by the heap; `gk_alloc` reports them with `0`. */
const MAX_ALLOC: usize = 1 << 29;

let chunk: usize = 0;
let chunkEnd: usize = 0;
let top: usize = 0;
let inHostCall = false;
let callSerial: u32 = 0;

/** Reserves `size` bytes for the host. Exported by every plugin (re-export it from your entry file). */
export function gk_alloc(size: u32): u32 {
  if (!inHostCall) beginCall();
  return <u32>arenaAlloc(<usize>size);
}

/**
 * GoatFlow's allocator (`--target goatflow`): the host `gk_malloc`s a call's name and then its
 * arguments before `gk_call`, so allocating must never start a call. `gk_call` copies both out
 * and then calls `beginGoatflowCall`, which rewinds the arena.
 */
export function goatflowMalloc(size: u32): u32 {
  return <u32>arenaAlloc(<usize>size);
}

/** Starts a GoatFlow call: everything the host allocated before it has been copied out. */
export function beginGoatflowCall(): void {
  beginCall();
}

/** Increases each time the host starts a new call; lets per-call state notice it is stale. */
export function currentCall(): u32 {
  return callSerial;
}

function beginCall(): void {
  callSerial++;
  if (chunk == 0) return;
  // Keep only the newest (largest) chunk.
  let old = load<usize>(chunk);
  while (old != 0) {
    const next = load<usize>(old);
    heap.free(old);
    old = next;
  }
  store<usize>(chunk, 0);
  top = chunk + HEADER;
}

function arenaAlloc(size: usize): usize {
  if (size > MAX_ALLOC) return 0;
  const start = (top + 7) & ~<usize>7;
  if (chunk != 0 && start + size <= chunkEnd) {
    top = start + size;
    return start;
  }
  // Earlier chunks stay valid until the next call: their bytes may still be in use.
  const cap = max(max(MIN_CHUNK, (chunkEnd - chunk) << 1), size + HEADER);
  const block = heap.alloc(cap);
  store<usize>(block, chunk);
  chunk = block;
  chunkEnd = block + cap;
  top = block + HEADER + size;
  return block + HEADER;
}

/**
 * Marks the start of a host-function call. Until `endHostCall`, `gk_alloc` serves the call's
 * result. Returns the arena position to roll back to.
 */
export function beginHostCall(): usize {
  inHostCall = true;
  return top;
}

/** Ends a host-function call and releases the arena memory it used (arguments and result). */
export function endHostCall(mark: usize): void {
  inHostCall = false;
  if (chunk == 0) return;
  // A mark in an older chunk means everything in the current chunk is newer than the mark.
  top = mark >= chunk && mark <= chunkEnd ? mark : chunk + HEADER;
}

// @ts-ignore: decorator
@inline
export function packPtrLen(ptr: usize, len: usize): u64 {
  return (<u64>ptr << 32) | <u64>len;
}

// @ts-ignore: decorator
@inline
export function ptrOf(packed: u64): usize {
  return <usize>(packed >>> 32);
}

// @ts-ignore: decorator
@inline
export function lenOf(packed: u64): usize {
  return <usize>(packed & 0xffff_ffff);
}

/**
 * Encodes a string as UTF-8 into the arena for a host-function argument and returns it packed;
 * `null` and `""` become `(0, 0)`. Only valid between `beginHostCall` and `endHostCall`.
 */
export function argument(s: string | null): u64 {
  if (s == null || s.length == 0) return 0;
  const len = <usize>String.UTF8.byteLength(s);
  const ptr = arenaAlloc(len);
  if (ptr == 0) unreachable(); // an argument over 512 MiB: nothing a host would accept
  String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, ptr, false, String.UTF8.ErrorMode.REPLACE);
  return packPtrLen(ptr, len);
}

/** Copies UTF-8 bytes the host wrote into guest memory into a string; `0` gives `null`. */
export function copyString(packed: u64): string | null {
  if (packed == 0) return null;
  return String.UTF8.decodeUnsafe(ptrOf(packed), lenOf(packed));
}

/** The last result handed to the host, kept reachable so the GC cannot free it before the copy. */
let lastResult: ArrayBuffer | null = null;

/** Returns a string to the host (UTF-8 encoded; unpaired surrogates become U+FFFD). */
export function packResult(s: string): u64 {
  const buf = String.UTF8.encode(s, false, String.UTF8.ErrorMode.REPLACE);
  lastResult = buf;
  return packPtrLen(changetype<usize>(buf), <usize>buf.byteLength);
}

/** Returns bytes to the host as they are. They must be valid UTF-8. */
export function packBytes(bytes: Uint8Array): u64 {
  lastResult = bytes.buffer;
  return packPtrLen(bytes.dataStart, <usize>bytes.byteLength);
}
