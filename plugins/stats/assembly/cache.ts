/**
 * Report results in the plugin's cache namespace, each for `cache_ttl_seconds`, keyed by report
 * and parameters. The cache API has no prefix delete, so an index key lists the keys in use
 * (with when they expire) and a flush deletes what it lists.
 */
import { JSON, host } from "@goatkit/sdk/assembly";
import { ReportQuery } from "./params";
import { Report } from "./report";

const INDEX_KEY = "index";
/** Past this many live keys, the oldest is deleted early so the index stays small and complete. */
const MAX_INDEXED_KEYS = 200;

/** The report under `key` from the cache, else computed and cached. Failures are not cached. */
export function cachedReport(key: string, compute: (query: ReportQuery) => Report, query: ReportQuery): Report {
  if (query.cacheSeconds <= 0) return compute(query);
  const hit = host.cacheGet(key);
  if (hit != null) return Report.cached(hit);
  const report = compute(query);
  // Indexed before it is stored, so a flush never misses a stored key.
  if (report.ok && addToIndex(key, query.cacheSeconds)) host.cacheSet(key, report.json, query.cacheSeconds);
  return report;
}

/** Deletes every cached report; returns how many were still live. */
export function flushCache(): i32 {
  const index = readIndex();
  const now = Date.now();
  let live = 0;
  for (let i = 0; i < index.keys.length; i++) {
    const key = index.keys[i];
    if (index.getInt(key) > now) live++;
    host.cacheDelete(key);
  }
  host.cacheDelete(INDEX_KEY);
  return live;
}

/** Adds `key` to the index; false when the index cannot be written (then the report is not cached). */
function addToIndex(key: string, ttlSeconds: i32): bool {
  const now = Date.now();
  const index = readIndex();
  const live = new Array<string>();
  for (let i = 0; i < index.keys.length; i++) {
    const existing = index.keys[i];
    if (existing != key && index.getInt(existing) > now) live.push(existing);
  }
  while (live.length >= MAX_INDEXED_KEYS) host.cacheDelete(live.shift());

  const expires = now + <i64>ttlSeconds * 1000;
  let lastExpiry = expires;
  const next = new JSON.Obj();
  for (let i = 0; i < live.length; i++) {
    const expiry = index.getInt(live[i]);
    next.set(live[i], expiry);
    if (expiry > lastExpiry) lastExpiry = expiry;
  }
  next.set(key, expires);
  // The index lives as long as the longest-lived key it lists.
  const indexSeconds = <i32>((lastExpiry - now + 999) / 1000);
  return host.cacheSet(INDEX_KEY, next.stringify(), indexSeconds) == 0;
}

/** The index: key → expiry (ms since 1970), oldest first. */
function readIndex(): JSON.Obj {
  const text = host.cacheGet(INDEX_KEY);
  const index: JSON.Obj | null = text == null ? null : JSON.parseObj(text);
  return index == null ? new JSON.Obj() : index;
}
