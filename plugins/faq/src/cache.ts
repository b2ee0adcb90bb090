/**
 * Caching of computed results (search, related articles, category counts, the widget) with a
 * generation key. Every write replaces the generation, and every entry's key contains the
 * generation it was computed under, so after a write no older entry is ever read again; the
 * TTL only bounds how long the orphans occupy the cache.
 *
 * The generation is a fresh random value rather than a counter: if the cache loses the key
 * (eviction, a restart), a new value cannot collide with entries written under an old one.
 */
import { HostError, host, type Request } from "@goatkit/sdk/guest";

const GENERATION_KEY = "generation";
const DEFAULT_TTL_SECONDS = 300;

/** The TTL from the plugin's `cache_ttl_seconds` setting; 0 turns caching off. */
export function cacheTtl(req: Request): number {
  const value = req.config.cache_ttl_seconds;
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? Math.min(value, 86_400) : DEFAULT_TTL_SECONDS;
}

/** Invalidates every cached result; call after each write, once the write has happened. */
export function bumpGeneration(): void {
  try {
    host.cacheSet(GENERATION_KEY, newGeneration(), 0);
  } catch (error) {
    if (!(error instanceof HostError)) throw error;
    // The write already happened and must not be reported as failed; stale entries live at most one TTL.
    host.error("could not invalidate the FAQ cache; cached results may be stale until they expire", { code: error.code, message: error.message });
  }
}

/**
 * `compute()`, or its result cached for `ttlSeconds` under the current generation. `params`
 * is everything the result depends on; it is stored with the entry and compared on read, so a
 * hash collision can never serve another query's result.
 */
export function cached<T>(name: string, params: unknown, ttlSeconds: number, compute: () => T): T {
  if (ttlSeconds <= 0) return compute();
  const paramsText = JSON.stringify(params);
  let key: string | null = null;
  try {
    key = `${name}:${currentGeneration()}:${hash(paramsText)}`;
    const hit = host.cacheGet(key);
    if (hit !== null) {
      const entry = JSON.parse(hit) as { params: string; value: T };
      if (entry.params === paramsText) return entry.value;
    }
  } catch (error) {
    if (!(error instanceof HostError)) throw error;
    host.warn("the FAQ cache is unavailable; answering uncached", { code: error.code, message: error.message });
    return compute();
  }
  const value = compute();
  try {
    host.cacheSet(key, JSON.stringify({ params: paramsText, value }), ttlSeconds);
  } catch (error) {
    if (!(error instanceof HostError)) throw error;
    host.warn("could not cache a FAQ result", { code: error.code, message: error.message });
  }
  return value;
}

function currentGeneration(): string {
  const generation = host.cacheGet(GENERATION_KEY);
  if (generation !== null) return generation;
  const fresh = newGeneration();
  host.cacheSet(GENERATION_KEY, fresh, 0);
  return fresh;
}

let sequence = 0;

function newGeneration(): string {
  sequence = (sequence + 1) % 1_000_000;
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 2 ** 32).toString(36)}${sequence.toString(36)}`;
}

/** cyrb53: a fast 53-bit string hash, plenty to key cache entries. */
function hash(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}
