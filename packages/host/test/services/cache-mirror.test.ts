import { describe, expect, it } from "vitest";
import { CacheMirror, CacheMirrorReader, MIRROR_MAX_BYTES } from "../../src/services/cache-mirror.js";
import { MemoryCache } from "../../src/services/memory-cache.js";

const text = (s: string) => new TextEncoder().encode(s);
const read = (value: Uint8Array | undefined) => (value === undefined ? undefined : new TextDecoder().decode(value));

describe("a cache namespace's mirror in shared memory", () => {
  it("answers what was put, by exact key, and nothing after a remove", () => {
    const mirror = new CacheMirror();
    const reader = new CacheMirrorReader(mirror.buffer);
    mirror.put("greeting", text("hej ✓"), 0);
    mirror.put("ünïcødé ✓", text("värde"), 0);
    mirror.put("empty", new Uint8Array(), 0);
    expect(read(reader.get("greeting", 0))).toBe("hej ✓");
    expect(read(reader.get("ünïcødé ✓", 0))).toBe("värde");
    expect(reader.get("empty", 0)).toEqual(new Uint8Array());
    expect(reader.get("greetin", 0)).toBeUndefined();
    mirror.put("greeting", text("replaced"), 0);
    expect(read(reader.get("greeting", 0))).toBe("replaced");
    mirror.remove("greeting");
    expect(reader.get("greeting", 0)).toBeUndefined();
  });

  it("answers only until the entry's expiry on the clock it is given", () => {
    const mirror = new CacheMirror();
    const reader = new CacheMirrorReader(mirror.buffer);
    mirror.put("short", text("1"), 1_000);
    expect(read(reader.get("short", 999))).toBe("1");
    expect(reader.get("short", 1_000)).toBeUndefined();
  });

  it("hands out copies: a reader's value does not change when the entry does", () => {
    const mirror = new CacheMirror();
    const reader = new CacheMirrorReader(mirror.buffer);
    mirror.put("k", text("first"), 0);
    const value = reader.get("k", 0)!;
    mirror.put("k", text("other"), 0);
    expect(read(value)).toBe("first");
  });

  it("keeps every key across colliding slots it can hold, and packs its data when full", () => {
    const mirror = new CacheMirror();
    const reader = new CacheMirrorReader(mirror.buffer);
    // Far more data written over time than the mirror can hold at once: rewrites pack it.
    const value = new Uint8Array(64 * 1024).fill(7);
    for (let round = 0; round < 3 * (MIRROR_MAX_BYTES / value.length); round++) mirror.put(`big-${round % 8}`, value, 0);
    const same = (got: Uint8Array | undefined) => got !== undefined && Buffer.from(got).equals(value);
    for (let i = 0; i < 8; i++) expect(same(reader.get(`big-${i}`, 0))).toBe(true);
    // A value larger than the mirror is not mirrored (the host answers it).
    mirror.put("huge", new Uint8Array(MIRROR_MAX_BYTES), 0);
    expect(reader.get("huge", 0)).toBeUndefined();
    expect(same(reader.get("big-0", 0))).toBe(true);
    // Many keys: every one the mirror answers for is right; a displaced one is left to the host.
    for (let i = 0; i < 3000; i++) mirror.put(`key-${i}`, text(`value-${i}`), 0);
    let answered = 0;
    for (let i = 0; i < 3000; i++) {
      const got = read(reader.get(`key-${i}`, 0));
      if (got === undefined) continue;
      expect(got).toBe(`value-${i}`);
      answered++;
    }
    expect(answered).toBeGreaterThan(900);
  });
});

describe("MemoryCache keeps a namespace's mirror in step", () => {
  it("fills a new mirror with what the namespace holds, and follows sets, deletes and expiry", () => {
    let now = 1_000;
    const cache = new MemoryCache(() => now);
    cache.set("a", "before", text("1"), 0);
    cache.set("b", "before", text("other plugin"), 0);
    const reader = new CacheMirrorReader(cache.sharedReads("a"));
    expect(read(reader.get("before", now))).toBe("1");
    cache.set("a", "after", text("2"), 10);
    expect(read(reader.get("after", now))).toBe("2");
    cache.delete("a", "before");
    expect(reader.get("before", now)).toBeUndefined();
    // Another namespace's entries never reach this mirror.
    cache.set("b", "after", text("other plugin"), 0);
    expect(reader.get("after", now)).not.toEqual(text("other plugin"));
    now += 10_000;
    expect(reader.get("after", now)).toBeUndefined();
    expect(cache.get("a", "after")).toBeNull();
  });

  it("evicts by bytes held, sparing an entry that a worker read since", () => {
    const cache = new MemoryCache(Date.now, 3 * 1024);
    const reader = new CacheMirrorReader(cache.sharedReads("p"));
    const kib = new Uint8Array(1024);
    cache.set("p", "read-in-a-worker", kib, 0);
    cache.set("p", "never-read", kib, 0);
    cache.set("p", "third", kib, 0);
    expect(reader.get("read-in-a-worker", Date.now())).toBeDefined();
    cache.set("p", "fourth", kib, 0);
    expect(cache.get("p", "read-in-a-worker")).not.toBeNull();
    expect(cache.get("p", "never-read")).toBeNull();
    expect(reader.get("never-read", Date.now())).toBeUndefined();
  });
});
