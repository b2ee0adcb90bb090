import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
      "the cluster heartbeat (5000 ms) must be above 0 and below the lease TTL (3000 ms), or leases expire between renewals; use about a third of the TTL (GOATKIT_CLUSTER_LEASE_TTL_MS, GOATKIT_CLUSTER_HEARTBEAT_MS, or cluster.lease_ttl_ms and cluster.heartbeat_ms)",
    );
    await expect(clusterOptionsFromEnv({ GOATKIT_REDIS_URL: REDIS, GOATKIT_CLUSTER_LEASE_TTL_MS: "30s" })).rejects.toThrow('GOATKIT_CLUSTER_LEASE_TTL_MS must be a whole number of milliseconds, got "30s"');
    await expect(clusterOptionsFromEnv({ GOATKIT_CLUSTER: "on" })).rejects.toThrow("GOATKIT_CLUSTER is on but no Redis is configured; set GOATKIT_REDIS_URL or cache.url (the Redis every host shares)");
    await expect(clusterOptionsFromEnv({ GOATKIT_CLUSTER: "sometimes" })).rejects.toThrow('GOATKIT_CLUSTER must be on or off, got "sometimes"');
  });

  it("reads the cluster section of the config file, under the variables", async () => {
    const dir = await mkdtemp(join(tmpdir(), "goatkit-cluster-config-"));
    try {
      const file = join(dir, "goatkit.yaml");
      await writeFile(file, `cache:\n  url: ${REDIS}\ncluster:\n  host_id: web-7\n  key_prefix: "desk:cluster:"\n  lease_ttl_ms: 9000\n  heartbeat_ms: 3000\n`);
      expect(await clusterOptionsFromEnv({ GOATKIT_CONFIG: file })).toEqual({ redisUrl: REDIS, origin: `cache.url in ${file}`, hostId: "web-7", keyPrefix: "desk:cluster:", leaseTtlMs: 9000, heartbeatMs: 3000 });
      expect(await clusterOptionsFromEnv({ GOATKIT_CONFIG: file, GOATKIT_HOST_ID: "web-8" })).toMatchObject({ hostId: "web-8", keyPrefix: "desk:cluster:" });
      await writeFile(file, `cache:\n  url: ${REDIS}\ncluster:\n  enabled: false\n`);
      expect(await clusterOptionsFromEnv({ GOATKIT_CONFIG: file })).toBeNull();
      expect(await clusterOptionsFromEnv({ GOATKIT_CONFIG: file, GOATKIT_CLUSTER: "on" })).toMatchObject({ redisUrl: REDIS });
      await writeFile(file, `cluster:\n  enabled: true\n`);
      await expect(clusterOptionsFromEnv({ GOATKIT_CONFIG: file })).rejects.toThrow(`cluster.enabled is true (cluster.enabled in ${file}) but no Redis is configured; set GOATKIT_REDIS_URL or cache.url (the Redis every host shares)`);
      await writeFile(file, `cluster:\n  hostid: x\n`);
      await expect(clusterOptionsFromEnv({ GOATKIT_CONFIG: file })).rejects.toThrow(`unknown setting "cluster.hostid" (cluster.hostid in ${file}); cluster takes enabled, host_id, key_prefix, lease_ttl_ms, heartbeat_ms`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
