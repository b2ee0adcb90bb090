import { describe, expect, it } from "vitest";
import { clusterOptionsFromEnv, resolveClusterOptions } from "../../src/cluster/cluster-options.js";

const REDIS = "redis://:secret@cache.internal:6379";

describe("cluster settings from the environment", () => {
  it("leaves a host alone without a Redis, or with GOATKIT_CLUSTER=off", async () => {
    expect(await clusterOptionsFromEnv({})).toBeNull();
    expect(await clusterOptionsFromEnv({ GOATKIT_REDIS_URL: REDIS, GOATKIT_CLUSTER: "off" })).toBeNull();
  });

  it("joins the cluster of the Redis the cache uses, with the GOATKIT_CLUSTER_* settings", async () => {
    const options = await clusterOptionsFromEnv({
      GOATKIT_REDIS_URL: REDIS,
      GOATKIT_HOST_ID: "web-1",
      GOATKIT_CLUSTER_KEY_PREFIX: "helpdesk:cluster:",
      GOATKIT_CLUSTER_LEASE_TTL_MS: "6000",
      GOATKIT_CLUSTER_HEARTBEAT_MS: "2000",
    });
    expect(options).toEqual({ redisUrl: REDIS, origin: "GOATKIT_REDIS_URL", hostId: "web-1", keyPrefix: "helpdesk:cluster:", leaseTtlMs: 6000, heartbeatMs: 2000 });
  });

  it("fills the defaults: a 30 s lease renewed every 10 s", () => {
    expect(resolveClusterOptions({ redisUrl: REDIS })).toMatchObject({ keyPrefix: "goatkit:cluster:", leaseTtlMs: 30_000, heartbeatMs: 10_000, orphanCheckMs: 1000, doneRetentionMs: 3_600_000 });
  });

  it("refuses settings that cannot work, naming the variable and the fix", async () => {
    await expect(clusterOptionsFromEnv({ GOATKIT_REDIS_URL: REDIS, GOATKIT_CLUSTER_LEASE_TTL_MS: "3000", GOATKIT_CLUSTER_HEARTBEAT_MS: "5000" })).rejects.toThrow(
      "the cluster heartbeat (5000 ms) must be above 0 and below the lease TTL (3000 ms), or leases expire between renewals; use about a third of the TTL (GOATKIT_CLUSTER_LEASE_TTL_MS, GOATKIT_CLUSTER_HEARTBEAT_MS)",
    );
    await expect(clusterOptionsFromEnv({ GOATKIT_REDIS_URL: REDIS, GOATKIT_CLUSTER_LEASE_TTL_MS: "30s" })).rejects.toThrow('GOATKIT_CLUSTER_LEASE_TTL_MS must be a whole number of milliseconds, got "30s"');
    await expect(clusterOptionsFromEnv({ GOATKIT_CLUSTER: "on" })).rejects.toThrow("GOATKIT_CLUSTER is on but no Redis is configured; set GOATKIT_REDIS_URL (the Redis every host shares)");
    await expect(clusterOptionsFromEnv({ GOATKIT_CLUSTER: "sometimes" })).rejects.toThrow('GOATKIT_CLUSTER must be on or off, got "sometimes"');
  });
});
