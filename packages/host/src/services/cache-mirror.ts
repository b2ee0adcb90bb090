/**
 * A read mirror of one plugin's cache namespace in shared memory, so that a plugin worker answers
 * a `cache_get` hit itself instead of waiting for the host thread's event loop (busy parsing HTTP
 * under load). The embedded cache (MemoryCache) stays the source of truth and the only writer: it
 * puts and removes entries here as it changes them. A worker reads; anything it cannot answer
 * for certain (not mirrored, expired, a write in progress) it asks the host, as before.
 *
 * Each namespace has a buffer of its own, and a worker is handed only its plugin's: a plugin's
 * worker holds no memory with another plugin's entries in it.
 *
 * Layout of the growable SharedArrayBuffer:
 *   Int32 sequence (odd while the writer changes anything: a seqlock), Int32 end of the data,
 *   two Int32 unused;
 *   Int32 slot[SLOTS]: byte offset of an entry, 0 for none;
 *   Int32 used[SLOTS]: set by readers on a hit, taken by the writer choosing what to evict;
 *   entries, 8-byte aligned: u32 key length, u32 value length, f64 expiry (host clock, ms, 0 =
 *   never), key (UTF-8), value.
 * A key lives in one of PROBE slots from its hash; a key that finds them all taken replaces the
 * first (it stays in the cache; the mirror just does not hold it).
 */

const SLOTS = 1024;
const PROBE = 4;
const HEADER_INTS = 4;
const SLOTS_AT = HEADER_INTS * 4;
const USED_AT = SLOTS_AT + SLOTS * 4;
const DATA_AT = USED_AT + SLOTS * 4;
const ENTRY_HEADER = 16;
const INITIAL_BYTES = 64 * 1024;
/** The most one namespace's mirror holds; entries beyond it are served by the host. */
export const MIRROR_MAX_BYTES = 4 * 1024 * 1024;
/** A reader retries this often when it meets a write in progress, then asks the host. */
const READ_ATTEMPTS = 4;

const encoder = new TextEncoder();

/** FNV-1a over the key's UTF-8 bytes. */
function hashOf(key: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key[i]!, 0x01000193);
  return hash >>> 0;
}

const align8 = (n: number) => (n + 7) & ~7;

class MirrorViews {
  readonly ints: Int32Array;
  readonly bytes: Uint8Array;
  readonly view: DataView;

  constructor(readonly buffer: SharedArrayBuffer) {
    // Length-tracking views: they follow the buffer as the writer grows it.
    this.ints = new Int32Array(buffer);
    this.bytes = new Uint8Array(buffer);
    this.view = new DataView(buffer);
  }

  /** The slot holding `key` (by its bytes and hash), or -1. Plain reads: the caller validates. */
  find(key: Uint8Array, hash: number): number {
    for (let probe = 0; probe < PROBE; probe++) {
      const slot = (hash + probe) & (SLOTS - 1);
      const at = this.ints[HEADER_INTS + slot]!;
      if (at !== 0 && this.#keyAt(at, key)) return slot;
    }
    return -1;
  }

  #keyAt(at: number, key: Uint8Array): boolean {
    const size = this.bytes.byteLength;
    if (at < DATA_AT || at + ENTRY_HEADER > size) return false;
    const keyLength = this.view.getUint32(at, true);
    if (keyLength !== key.length || at + ENTRY_HEADER + keyLength > size) return false;
    const start = at + ENTRY_HEADER;
    for (let i = 0; i < keyLength; i++) if (this.bytes[start + i] !== key[i]) return false;
    return true;
  }
}

/** The writer's side, held by the cache for one namespace. */
export class CacheMirror {
  readonly buffer = new SharedArrayBuffer(INITIAL_BYTES, { maxByteLength: MIRROR_MAX_BYTES });
  readonly #m = new MirrorViews(this.buffer);

  constructor() {
    this.#m.ints[1] = DATA_AT;
  }

  /** Mirrors `key` (replacing what it held); too large to mirror, the key is left out. */
  put(key: string, value: Uint8Array, expiresAt: number): void {
    const keyBytes = encoder.encode(key);
    const hash = hashOf(keyBytes);
    const size = align8(ENTRY_HEADER + keyBytes.length + value.length);
    this.#write(() => {
      const { ints, bytes, view } = this.#m;
      const old = this.#m.find(keyBytes, hash);
      if (old >= 0) ints[HEADER_INTS + old] = 0;
      if (!this.#room(size)) return;
      let slot = -1;
      for (let probe = 0; probe < PROBE && slot < 0; probe++) {
        const candidate = (hash + probe) & (SLOTS - 1);
        if (ints[HEADER_INTS + candidate] === 0) slot = candidate;
      }
      if (slot < 0) slot = hash & (SLOTS - 1);
      const at = ints[1]!;
      view.setUint32(at, keyBytes.length, true);
      view.setUint32(at + 4, value.length, true);
      view.setFloat64(at + 8, expiresAt, true);
      bytes.set(keyBytes, at + ENTRY_HEADER);
      bytes.set(value, at + ENTRY_HEADER + keyBytes.length);
      ints[1] = at + size;
      ints[HEADER_INTS + slot] = at;
      ints[HEADER_INTS + SLOTS + slot] = 0;
    });
  }

  remove(key: string): void {
    const keyBytes = encoder.encode(key);
    const slot = this.#m.find(keyBytes, hashOf(keyBytes));
    if (slot >= 0) this.#write(() => (this.#m.ints[HEADER_INTS + slot] = 0));
  }

  /** Whether a worker read `key` since the last time this was asked (and forgets that it did). */
  takeUsed(key: string): boolean {
    const keyBytes = encoder.encode(key);
    const slot = this.#m.find(keyBytes, hashOf(keyBytes));
    return slot >= 0 && Atomics.exchange(this.#m.ints, HEADER_INTS + SLOTS + slot, 0) === 1;
  }

  /** Runs a change with the sequence odd, so readers that overlap it retry or ask the host. */
  #write(change: () => void): void {
    Atomics.add(this.#m.ints, 0, 1);
    try {
      change();
    } finally {
      Atomics.add(this.#m.ints, 0, 1);
    }
  }

  /** Makes room for `size` more bytes of data: grows, else packs the live entries together. */
  #room(size: number): boolean {
    const { ints, bytes } = this.#m;
    if (ints[1]! + size <= this.buffer.byteLength) return true;
    if (ints[1]! + size <= MIRROR_MAX_BYTES) {
      this.buffer.grow(Math.min(MIRROR_MAX_BYTES, Math.max(ints[1]! + size, this.buffer.byteLength * 2)));
      return true;
    }
    const live: { slot: number; entry: Uint8Array }[] = [];
    for (let slot = 0; slot < SLOTS; slot++) {
      const at = ints[HEADER_INTS + slot]!;
      if (at === 0) continue;
      const length = align8(ENTRY_HEADER + this.#m.view.getUint32(at, true) + this.#m.view.getUint32(at + 4, true));
      live.push({ slot, entry: bytes.slice(at, at + length) });
    }
    let end = DATA_AT;
    for (const { slot, entry } of live) {
      bytes.set(entry, end);
      ints[HEADER_INTS + slot] = end;
      end += entry.length;
    }
    ints[1] = end;
    return end + size <= this.buffer.byteLength;
  }
}

/** A worker's side: reads its plugin's mirror. */
export class CacheMirrorReader {
  readonly #m: MirrorViews;

  constructor(buffer: SharedArrayBuffer) {
    this.#m = new MirrorViews(buffer);
  }

  /**
   * The value of `key` when the mirror holds it unexpired at `now` (the host's clock), as a copy;
   * undefined when only the host can say (not mirrored, expired, a write kept overlapping).
   */
  get(key: string, now: number): Uint8Array | undefined {
    const keyBytes = encoder.encode(key);
    const hash = hashOf(keyBytes);
    const { ints, bytes, view } = this.#m;
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      const before = Atomics.load(ints, 0);
      if ((before & 1) === 1) continue;
      const slot = this.#m.find(keyBytes, hash);
      let value: Uint8Array | undefined;
      if (slot >= 0) {
        const at = ints[HEADER_INTS + slot]!;
        const valueLength = view.getUint32(at + 4, true);
        const expiresAt = view.getFloat64(at + 8, true);
        const start = at + ENTRY_HEADER + keyBytes.length;
        if (start + valueLength <= bytes.byteLength && (expiresAt === 0 || expiresAt > now)) value = bytes.slice(start, start + valueLength);
      }
      // Whatever was read counts only if no write began or ended meanwhile.
      if (Atomics.load(ints, 0) !== before) continue;
      if (value && slot >= 0) Atomics.store(ints, HEADER_INTS + SLOTS + slot, 1);
      return value;
    }
    return undefined;
  }
}
