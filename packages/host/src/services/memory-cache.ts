import { CacheMirror } from "./cache-mirror.js";
import type { CacheService } from "./types.js";

interface Entry {
  value: Uint8Array;
  expiresAt: number;
}

/**
 * The embedded default cache: a Map per plugin namespace with TTLs checked on read and swept
 * lazily, and an LRU bound on the total bytes held so a chatty plugin cannot grow it forever.
 * A namespace that plugin workers read gets a mirror in shared memory (cache-mirror.ts), which
 * every change here keeps in step.
 */
export class MemoryCache implements CacheService {
  readonly #entries = new Map<string, Entry>();
  readonly #mirrors = new Map<string, CacheMirror>();
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
    this.#mirrors.get(namespace)?.put(key, entry.value, entry.expiresAt);
    let spared: Set<string> | undefined;
    for (const [oldest, e] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      // A worker's hits do not reach the Map's order: an entry read from a mirror since it was
      // last looked at here gets a second chance at the end of the line instead.
      const mirrored = spared?.has(oldest) ? undefined : this.#mirrorOf(oldest);
      if (mirrored?.mirror.takeUsed(mirrored.key)) {
        (spared ??= new Set()).add(oldest);
        this.#entries.delete(oldest);
        this.#entries.set(oldest, e);
        continue;
      }
      this.#remove(oldest, e);
    }
  }

  delete(namespace: string, key: string): void {
    const id = `${namespace}\u0000${key}`;
    const entry = this.#entries.get(id);
    if (entry) this.#remove(id, entry);
  }

  /**
   * The shared buffer a plugin worker reads `namespace` from; made on first request, filled with
   * what the namespace holds, then kept in step with every change.
   */
  sharedReads(namespace: string): SharedArrayBuffer {
    let mirror = this.#mirrors.get(namespace);
    if (!mirror) {
      mirror = new CacheMirror();
      this.#mirrors.set(namespace, mirror);
      const prefix = `${namespace}\u0000`;
      for (const [id, entry] of this.#entries) if (id.startsWith(prefix)) mirror.put(id.slice(prefix.length), entry.value, entry.expiresAt);
    }
    return mirror.buffer;
  }

  close(): void {
    this.#entries.clear();
    this.#mirrors.clear();
    this.#bytes = 0;
  }

  #remove(id: string, entry: Entry): void {
    this.#entries.delete(id);
    this.#bytes -= entry.value.byteLength;
    const mirrored = this.#mirrorOf(id);
    mirrored?.mirror.remove(mirrored.key);
  }

  /** The mirror of an entry's namespace, if workers read it, and the entry's key within it. */
  #mirrorOf(id: string): { mirror: CacheMirror; key: string } | undefined {
    if (this.#mirrors.size === 0) return undefined;
    const split = id.indexOf("\u0000");
    const mirror = this.#mirrors.get(id.slice(0, split));
    return mirror && { mirror, key: id.slice(split + 1) };
  }
}
