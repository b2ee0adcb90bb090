import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CacheService } from "../../../src/services/types.js";
import { uniqueName } from "./test-servers.js";

export interface CacheBackend {
  name: string;
  open(): Promise<CacheService>;
  /** Removes what the run left behind (Redis keys); every cache is closed by then. */
  tearDown?(): Promise<void>;
}

const bytes = (...values: number[]) => new Uint8Array(values);
const text = (s: string) => new TextEncoder().encode(s);

/** The contract every CacheService keeps: bytes kept exactly, namespaces apart, TTLs in seconds. */
export function describeCacheContract(backend: CacheBackend, skip = false): void {
  describe.skipIf(skip)(`${backend.name}: the CacheService contract`, () => {
    let cache: CacheService;
    // Plugin names unique to the run: a shared Redis may serve other runs at the same time.
    const pluginA = uniqueName("plugin-a").replace(/_/g, "-");
    const pluginB = uniqueName("plugin-b").replace(/_/g, "-");

    beforeAll(async () => {
      cache = await backend.open();
    });
    afterAll(async () => {
      await cache?.close();
      await backend.tearDown?.();
    });

    it("keeps bytes exactly, and a missing key is null", async () => {
      const value = bytes(0, 1, 127, 128, 255, 0);
      await cache.set(pluginA, "binary", value, 0);
      expect(new Uint8Array((await cache.get(pluginA, "binary"))!)).toEqual(value);
      expect(await cache.get(pluginA, "never-set")).toBeNull();
      await cache.set(pluginA, "unicode key: ünïcødé ✓", text("värde"), 0);
      expect(new TextDecoder().decode((await cache.get(pluginA, "unicode key: ünïcødé ✓"))!)).toBe("värde");
    });

    it("keeps each plugin's keys apart, also keys that contain the separator", async () => {
      await cache.set(pluginA, "shared:key", text("from a"), 0);
      await cache.set(pluginB, "shared:key", text("from b"), 0);
      expect(new TextDecoder().decode((await cache.get(pluginA, "shared:key"))!)).toBe("from a");
      expect(new TextDecoder().decode((await cache.get(pluginB, "shared:key"))!)).toBe("from b");
      await cache.delete(pluginA, "shared:key");
      expect(await cache.get(pluginA, "shared:key")).toBeNull();
      expect(await cache.get(pluginB, "shared:key")).not.toBeNull();
      // Deleting what is not there is fine.
      await cache.delete(pluginA, "shared:key");
    });

    it("expires a value after its TTL; 0 never expires; setting again replaces the TTL", async () => {
      await cache.set(pluginA, "short", text("1"), 1);
      await cache.set(pluginA, "forever", text("2"), 0);
      await cache.set(pluginA, "made-permanent", text("3"), 1);
      await cache.set(pluginA, "made-permanent", text("4"), 0);
      expect(await cache.get(pluginA, "short")).not.toBeNull();
      await sleep(1300);
      expect(await cache.get(pluginA, "short")).toBeNull();
      expect(new TextDecoder().decode((await cache.get(pluginA, "forever"))!)).toBe("2");
      expect(new TextDecoder().decode((await cache.get(pluginA, "made-permanent"))!)).toBe("4");
    });

    it("a stored value does not change when the caller reuses its buffer", async () => {
      const buffer = text("original");
      await cache.set(pluginA, "copy", buffer, 0);
      buffer.fill(0);
      expect(new TextDecoder().decode((await cache.get(pluginA, "copy"))!)).toBe("original");
    });
  });
}
