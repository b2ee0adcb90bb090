import type { CacheService } from "./types.js";

interface Entry {
  value: Uint8Array;
  expiresAt: number;
}

/**
 * The embedded default cache: a Map per plugin namespace with TTLs checked on read and swept
 * lazily, and an LRU bound on the total bytes held so a chatty plugin cannot grow it forever.
 */
export class MemoryCache implements CacheService {
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxBytes = 64 * 1024 * 1024,
  ) {}

  get(namespace: string, key: string): Uint8Array | null {
    const id = `${namespace}\u0000${key}`;
    const entry = this.#entries.get(id);
    if (!entry) return null;
    if (entry.expiresAt !== 0 && entry.expiresAt <= this.now()) {
      this.#remove(id, entry);
      return null;
    }
    // Re-insert to mark it recently used (Map keeps insertion order).
    this.#entries.delete(id);
    this.#entries.set(id, entry);
    return entry.value;
  }

  set(namespace: string, key: string, value: Uint8Array, ttlSeconds: number): void {
    const id = `${namespace}\u0000${key}`;
    const old = this.#entries.get(id);
    if (old) this.#remove(id, old);
    const entry = { value: value.slice(), expiresAt: ttlSeconds > 0 ? this.now() + ttlSeconds * 1000 : 0 };
    this.#entries.set(id, entry);
    this.#bytes += entry.value.byteLength;
    for (const [oldest, e] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#remove(oldest, e);
    }
  }

  delete(namespace: string, key: string): void {
    const id = `${namespace}\u0000${key}`;
    const entry = this.#entries.get(id);
    if (entry) this.#remove(id, entry);
  }

  close(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  #remove(id: string, entry: Entry): void {
    this.#entries.delete(id);
    this.#bytes -= entry.value.byteLength;
  }
}
