import type { Redis } from "ioredis";
import type { JobLease } from "../jobs/job-scheduler.js";
import type { PluginManager } from "../platform/plugin-manager.js";
import { MANAGER_LOG } from "../platform/plugin-manager.js";
import type { ClusterEvent, ClusterEventListener } from "./cluster-events.js";
import { resolveClusterOptions, type ClusterOptions, type ResolvedClusterOptions } from "./cluster-options.js";
import { PluginStateSync } from "./plugin-state-sync.js";
import { connectRedis } from "./redis-connection.js";
import { RedisJobLease } from "./redis-job-lease.js";

/**
 * Joins a host to the other hosts sharing a Redis (docs/cluster.md): each job's due time runs on
 * one host (`jobLease`, for the JobScheduler), a job whose host dies mid-run is taken over, and
 * enable, disable and reload on one host reach every host (`attach`). The cache is shared
 * already when every host uses the Redis cache.
 *
 * @example
 * const coordinator = await ClusterCoordinator.connect({ redisUrl: "redis://cache:6379", hostId: "web-1" });
 * const manager = await PluginManager.create({ host, pluginsDir: "./plugins" });
 * await coordinator.attach(manager);
 * const server = await startServer({ manager, scheduler: { lease: coordinator.jobLease } });
 */
export class ClusterCoordinator {
  readonly options: ResolvedClusterOptions;
  readonly #redis: Redis;
  readonly #subscriber: Redis;
  readonly #lease: RedisJobLease;
  readonly #sync: PluginStateSync;
  readonly #listeners = new Set<ClusterEventListener>();
  #manager: PluginManager | null = null;
  #closed: Promise<void> | null = null;

  private constructor(options: ResolvedClusterOptions, redis: Redis, subscriber: Redis) {
    this.options = options;
    this.#redis = redis;
    this.#subscriber = subscriber;
    const report = (event: ClusterEvent) => this.#report(event);
    this.#lease = new RedisJobLease({ ...options, redis, report });
    this.#sync = new PluginStateSync({ redis, subscriber, hostId: options.hostId, keyPrefix: options.keyPrefix, report });
  }

  /** Connects to the cluster's Redis; a wrong URL fails here, naming where it was set. */
  static async connect(options: ClusterOptions): Promise<ClusterCoordinator> {
    const resolved = resolveClusterOptions(options);
    const redis = await connectRedis(resolved.redisUrl, resolved.origin, "commands");
    let subscriber: Redis;
    try {
      subscriber = await connectRedis(resolved.redisUrl, resolved.origin, "subscriber");
    } catch (error) {
      redis.disconnect();
      throw error;
    }
    return new ClusterCoordinator(resolved, redis, subscriber);
  }

  get hostId(): string {
    return this.options.hostId;
  }

  /** Give it to the JobScheduler (`scheduler: { lease }` of startServer). */
  get jobLease(): JobLease {
    return this.#lease;
  }

  /**
   * Repeats the manager's enable, disable and reload on the other hosts, and theirs here;
   * resolves once the state the cluster stored (plugins disabled elsewhere) is applied.
   */
  async attach(manager: PluginManager): Promise<void> {
    this.#manager = manager;
    await this.#sync.attach(manager);
  }

  /** Waits until the commands received so far are applied here. */
  settled(): Promise<void> {
    return this.#sync.settled();
  }

  /** Sees what the coordinator does (takeovers, commands, Redis errors); returns the unsubscribe function. */
  onEvent(listener: ClusterEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Leaves the cluster. Stop the scheduler first: a run still going would lose its heartbeat. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#sync.close();
      this.#lease.close();
      await Promise.all([this.#subscriber.quit().catch(() => this.#subscriber.disconnect()), this.#redis.quit().catch(() => this.#redis.disconnect())]);
    })();
    return this.#closed;
  }

  #report(event: ClusterEvent): void {
    if (event.type === "error" || event.type === "lease-lost" || event.type === "takeover") {
      const plugin = "plugin" in event ? event.plugin : MANAGER_LOG;
      const line = event.type === "error" ? event.message : event.type === "takeover" ? `took over job "${event.job}" due at ${event.scheduledAt} from host ${event.from} (attempt ${event.attempt})` : `lost the lease of job "${event.job}" due at ${event.scheduledAt} (${event.reason}); it may run twice`;
      this.#manager?.host.logs.write(plugin, event.type === "takeover" ? "info" : "warn", `cluster: ${line}`);
    }
    const stamped = { ...event, host: this.options.hostId, time: new Date().toISOString() };
    for (const listener of this.#listeners) {
      try {
        listener(stamped);
      } catch {
        // A listener's failure (a closed stdout) must not stop the cluster's work.
      }
    }
  }
}
