import { hostname } from "node:os";
import { ServicesConfigError, configFromEnv, readServicesConfig } from "../services/config.js";

/** How a host joins a cluster; docs/cluster.md describes each setting. */
export interface ClusterOptions {
  /** The Redis every host of the cluster shares: `redis://[:password@]host:6379[/db]`. */
  redisUrl: string;
  /** Where the URL was configured, named in connection errors. */
  origin?: string;
  /** This host's name in leases, events and logs; unique in the cluster. Default `<hostname>-<pid>`. */
  hostId?: string;
  /** Put before every cluster key and the events channel. Default `goatkit:cluster:`. */
  keyPrefix?: string;
  /** A job lease not renewed for this long is taken over by another host (default 30000 ms). */
  leaseTtlMs?: number;
  /** How often a running job's lease is renewed (default a third of the TTL). */
  heartbeatMs?: number;
  /** How often a host looks for leases to take over (default 1000 ms). */
  orphanCheckMs?: number;
  /** How long a finished due time is remembered, so a late host does not run it again (default 1 hour). */
  doneRetentionMs?: number;
}

/** ClusterOptions with every default filled in. */
export type ResolvedClusterOptions = Required<ClusterOptions>;

/** Every environment variable clusterOptionsFromEnv reads, besides the Redis URL. */
export const CLUSTER_ENV_VARS = {
  GOATKIT_CLUSTER: "off to run alone although GOATKIT_REDIS_URL is set (default on with Redis)",
  GOATKIT_HOST_ID: "hostId",
  GOATKIT_CLUSTER_KEY_PREFIX: "keyPrefix",
  GOATKIT_CLUSTER_LEASE_TTL_MS: "leaseTtlMs",
  GOATKIT_CLUSTER_HEARTBEAT_MS: "heartbeatMs",
} as const;

/** `<hostname>-<pid>`: unique among the hosts running at one time. */
export function defaultHostId(): string {
  return `${hostname()}-${process.pid}`;
}

export function resolveClusterOptions(options: ClusterOptions): ResolvedClusterOptions {
  const leaseTtlMs = options.leaseTtlMs ?? 30_000;
  const heartbeatMs = options.heartbeatMs ?? Math.max(1, Math.floor(leaseTtlMs / 3));
  if (!(Number.isInteger(leaseTtlMs) && leaseTtlMs >= 100)) throw new ServicesConfigError(`the cluster lease TTL must be a whole number of at least 100 ms, got ${leaseTtlMs}`);
  if (!(Number.isInteger(heartbeatMs) && heartbeatMs > 0 && heartbeatMs < leaseTtlMs)) {
    throw new ServicesConfigError(
      `the cluster heartbeat (${heartbeatMs} ms) must be above 0 and below the lease TTL (${leaseTtlMs} ms), or leases expire between renewals; use about a third of the TTL`,
    );
  }
  return {
    redisUrl: options.redisUrl,
    origin: options.origin ?? "the redisUrl option",
    hostId: options.hostId ?? defaultHostId(),
    keyPrefix: options.keyPrefix ?? "goatkit:cluster:",
    leaseTtlMs,
    heartbeatMs,
    orphanCheckMs: options.orphanCheckMs ?? 1000,
    doneRetentionMs: options.doneRetentionMs ?? 3_600_000,
  };
}

/**
 * The cluster settings of the environment: the Redis of `GOATKIT_REDIS_URL` (or `cache.url` of
 * the `GOATKIT_CONFIG` file) and the `GOATKIT_CLUSTER_*` variables. Null when no Redis is
 * configured or `GOATKIT_CLUSTER=off`: the host then runs alone, as a single host always has.
 */
export async function clusterOptionsFromEnv(env: Record<string, string | undefined> = process.env): Promise<ClusterOptions | null> {
  const switchText = env.GOATKIT_CLUSTER?.trim().toLowerCase() ?? "";
  if (!["", "1", "true", "yes", "on", "0", "false", "no", "off"].includes(switchText)) {
    throw new ServicesConfigError(`GOATKIT_CLUSTER must be on or off, got "${env.GOATKIT_CLUSTER}"`);
  }
  const file = env.GOATKIT_CONFIG ? await readServicesConfig(env.GOATKIT_CONFIG) : { config: {}, origins: {} };
  const fromFile = file.config.cluster ?? {};
  // The variable overrides the file's cluster.enabled.
  const enabled = switchText === "" ? fromFile.enabled : ["1", "true", "yes", "on"].includes(switchText);
  if (enabled === false) return null;
  const { config, origins } = configFromEnv(env, file.config, file.origins);
  const redisUrl = config.cache?.url;
  if (!redisUrl) {
    if (enabled === true) {
      const by = switchText !== "" ? "GOATKIT_CLUSTER is on" : `cluster.enabled is true (${file.origins["cluster.enabled"]})`;
      throw new ServicesConfigError(`${by} but no Redis is configured; set GOATKIT_REDIS_URL or cache.url (the Redis every host shares)`);
    }
    return null;
  }
  const options: ClusterOptions = { redisUrl, origin: origins["cache.url"] ?? "cache.url" };
  const hostId = env.GOATKIT_HOST_ID || fromFile.host_id;
  if (hostId) options.hostId = hostId;
  const keyPrefix = env.GOATKIT_CLUSTER_KEY_PREFIX || fromFile.key_prefix;
  if (keyPrefix) options.keyPrefix = keyPrefix;
  const ttl = milliseconds(env, "GOATKIT_CLUSTER_LEASE_TTL_MS") ?? fromFile.lease_ttl_ms;
  if (ttl !== undefined) options.leaseTtlMs = ttl;
  const heartbeat = milliseconds(env, "GOATKIT_CLUSTER_HEARTBEAT_MS") ?? fromFile.heartbeat_ms;
  if (heartbeat !== undefined) options.heartbeatMs = heartbeat;
  // Checked now, so a wrong value stops start-up with the variable's name.
  try {
    resolveClusterOptions(options);
  } catch (error) {
    throw new ServicesConfigError(`${(error as Error).message} (GOATKIT_CLUSTER_LEASE_TTL_MS, GOATKIT_CLUSTER_HEARTBEAT_MS, or cluster.lease_ttl_ms and cluster.heartbeat_ms)`);
  }
  return options;
}

function milliseconds(env: Record<string, string | undefined>, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  if (!/^\d+$/.test(raw)) throw new ServicesConfigError(`${name} must be a whole number of milliseconds, got "${env[name]}"`);
  return Number(raw);
}
