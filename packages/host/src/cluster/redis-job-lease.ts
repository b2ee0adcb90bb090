import { messageOf } from "../errors.js";
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { HeldJobLease, JobLease } from "../jobs/job-scheduler.js";
import type { JobRun } from "../jobs/job-run.js";
import type { ScheduledJob } from "../jobs/job-registry.js";

import type { ClusterEvent } from "./cluster-events.js";
import type { ResolvedClusterOptions } from "./cluster-options.js";
import { ACQUIRE, ORPHANS, RELEASE, RENEW } from "./job-lease-scripts.js";

export interface RedisJobLeaseOptions extends Pick<ResolvedClusterOptions, "hostId" | "keyPrefix" | "leaseTtlMs" | "heartbeatMs" | "orphanCheckMs" | "doneRetentionMs"> {
  redis: Redis;
  report: (event: ClusterEvent) => void;
  /** The clock due times are on (the host's), to age out due times nobody can take over. */
  now?: () => number;
}

/**
 * The JobScheduler's lease over Redis: each due time runs on the one host that claims it
 * (`SET NX PX` in a script), whose heartbeat renews the claim while the run lasts. A claim left
 * to expire mid-run (its host died) is taken over by the next host that looks, as the next
 * attempt. See job-lease-scripts.ts for the keys, and docs/cluster.md for the guarantees.
 */
export class RedisJobLease implements JobLease {
  readonly #options: RedisJobLeaseOptions;
  readonly #held = new Set<HeldRedisLease>();
  /**
   * The orphans Redis named at the last check, offered on every call until the next one: a
   * scheduler busy with the job when the check happened tries again on its next tick, instead
   * of missing it for a whole check interval (and, with checks in step with the job, forever).
   */
  #orphans: Array<{ plugin: string; job: string; scheduledAt: number }> = [];
  #lastOrphanCheck = -Infinity;
  #closed = false;

  constructor(options: RedisJobLeaseOptions) {
    this.#options = options;
  }

  async acquire(job: ScheduledJob, scheduledAt: number): Promise<HeldJobLease | null> {
    if (this.#closed) return null;
    const { redis, hostId, leaseTtlMs, report } = this.#options;
    const field = `${job.plugin}:${job.id}:${scheduledAt}`;
    const token = randomUUID();
    let reply: [number, number, string, number];
    try {
      reply = (await ACQUIRE.run(redis, [this.#leaseKey(field), this.#runningKey], [field, hostId, token, leaseTtlMs])) as typeof reply;
    } catch (error) {
      report({ type: "error", message: `job "${job.id}" of plugin "${job.plugin}" due at ${iso(scheduledAt)} did not run here: its lease could not be taken (${messageOf(error)}); another host runs it, or no host does until Redis answers` });
      return null;
    }
    const [won, attempt, previousHost, ownRetry] = reply;
    this.#orphans = this.#orphans.filter((o) => !(o.plugin === job.plugin && o.job === job.id && o.scheduledAt === scheduledAt));
    if (won !== 1) return null;
    if (attempt > 1 && ownRetry !== 1) {
      report({ type: "takeover", plugin: job.plugin, job: job.id, scheduledAt: iso(scheduledAt), attempt, from: previousHost });
    }
    const held = new HeldRedisLease(this.#options, job, scheduledAt, field, token, attempt, this.#leaseKey(field), this.#runningKey, () => this.#held.delete(held));
    this.#held.add(held);
    return held;
  }

  async orphans(): Promise<Array<{ plugin: string; job: string; scheduledAt: number }>> {
    const { redis, keyPrefix, orphanCheckMs, doneRetentionMs, report } = this.#options;
    const now = performance.now();
    if (this.#closed) return [];
    if (now - this.#lastOrphanCheck < orphanCheckMs) return [...this.#orphans];
    this.#lastOrphanCheck = now;
    let fields: string[];
    try {
      fields = (await ORPHANS.run(redis, [this.#runningKey], [`${keyPrefix}job:`, (this.#options.now ?? Date.now)(), doneRetentionMs])) as string[];
    } catch (error) {
      report({ type: "error", message: `could not look for job runs to take over: ${messageOf(error)}; the check repeats every ${orphanCheckMs} ms` });
      return [];
    }
    this.#orphans = fields.flatMap((field) => {
      // <plugin>:<job>:<ms>; plugin names have no ":", job ids may.
      const match = /^([^:]+):(.+):(\d+)$/.exec(field);
      return match ? [{ plugin: match[1]!, job: match[2]!, scheduledAt: Number(match[3]) }] : [];
    });
    return [...this.#orphans];
  }

  /** Stops renewing: called after the scheduler has stopped, when no run is left. */
  close(): void {
    this.#closed = true;
    for (const held of this.#held) held.stopHeartbeat();
    this.#held.clear();
  }

  get #runningKey(): string {
    return `${this.#options.keyPrefix}jobs:running`;
  }

  #leaseKey(field: string): string {
    return `${this.#options.keyPrefix}job:${field}`;
  }
}

class HeldRedisLease implements HeldJobLease {
  readonly #timer: NodeJS.Timeout;
  #renewing = false;
  #lost = false;

  constructor(
    private readonly options: RedisJobLeaseOptions,
    private readonly job: ScheduledJob,
    private readonly scheduledAt: number,
    private readonly field: string,
    private readonly token: string,
    readonly attempt: number,
    private readonly leaseKey: string,
    private readonly runningKey: string,
    private readonly forget: () => void,
  ) {
    this.#timer = setInterval(() => void this.#renew(), options.heartbeatMs);
    this.#timer.unref();
  }

  async release(run: JobRun): Promise<void> {
    this.stopHeartbeat();
    this.forget();
    const { redis, hostId, leaseTtlMs, doneRetentionMs, report } = this.options;
    // A failed attempt with a retry ahead keeps its claim until the retry is due (plus a TTL):
    // if this host dies meanwhile, another host runs the retry.
    const retryInMs = run.status === "failed" && run.retryAt ? Math.max(0, Date.parse(run.retryAt) - Date.parse(run.endedAt ?? run.retryAt)) : null;
    const value = retryInMs === null ? { state: run.status, host: hostId, attempt: this.attempt } : { state: "retrying", host: hostId, token: this.token, attempt: this.attempt };
    const keepMs = retryInMs === null ? doneRetentionMs : retryInMs + leaseTtlMs;
    try {
      const released = await RELEASE.run(redis, [this.leaseKey, this.runningKey], [this.field, this.token, JSON.stringify(value), keepMs, retryInMs === null ? "1" : "0"]);
      if (released !== 1) this.#reportLost("taken");
    } catch (error) {
      report({ type: "error", message: `the end of job "${this.job.id}" of plugin "${this.job.plugin}" due at ${iso(this.scheduledAt)} could not be recorded (${messageOf(error)}); once its lease expires another host runs it again` });
    }
  }

  stopHeartbeat(): void {
    clearInterval(this.#timer);
  }

  async #renew(): Promise<void> {
    if (this.#renewing || this.#lost) return;
    this.#renewing = true;
    try {
      const running = JSON.stringify({ state: "running", host: this.options.hostId, token: this.token, attempt: this.attempt });
      const renewed = await RENEW.run(this.options.redis, [this.leaseKey, this.runningKey], [this.token, this.options.leaseTtlMs, this.field, running]);
      if (renewed === 0) this.#reportLost("expired");
      else if (renewed === -1) this.#reportLost("taken");
    } catch (error) {
      // One failed renewal is not yet a lost lease: the TTL allows for a few.
      this.options.report({ type: "error", message: `renewing the lease of job "${this.job.id}" of plugin "${this.job.plugin}" failed (${messageOf(error)}); another host takes the run over if this lasts ${this.options.leaseTtlMs} ms` });
    } finally {
      this.#renewing = false;
    }
  }

  #reportLost(reason: "expired" | "taken"): void {
    if (this.#lost) return;
    this.#lost = true;
    this.stopHeartbeat();
    this.options.report({ type: "lease-lost", plugin: this.job.plugin, job: this.job.id, scheduledAt: iso(this.scheduledAt), attempt: this.attempt, reason });
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
