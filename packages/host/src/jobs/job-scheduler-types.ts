/** The job scheduler's options, its cluster lease and the view of a job it gives (job-scheduler.ts). */
import type { PluginManager } from "../platform/plugin-manager.js";
import type { ScheduledJob } from "./job-registry.js";
import type { JobHistory, JobRun } from "./job-run.js";

export interface JobSchedulerOptions {
  manager: PluginManager;
  /** Real time between checks for due jobs (default 1000 ms); 0 runs jobs only on `tick()`. */
  tickMs?: number;
  /** Runs kept in memory per job (default 50); the platform state keeps more in the database. */
  historySize?: number;
  /** This host's name on the runs it stores (default `local`); runHostProcess passes its host id. */
  hostId?: string;
  /** First retry delay; each further retry doubles it (default 1000 ms). */
  retryBaseMs?: number;
  /** Longest retry delay (default 5 minutes). */
  retryMaxMs?: number;
  /**
   * Shares the jobs with other hosts (cluster/redis-job-lease.ts): a due time runs on the host
   * that claims it, and one that comes while this host is busy with the job waits for it to be
   * free (unless another host claims it) instead of being skipped. Without a lease, this host
   * runs every due time.
   */
  lease?: JobLease;
}

/** Decides which host of several runs a job's due time; see JobSchedulerOptions.lease. */
export interface JobLease {
  /** Claims the run of `job` due at `scheduledAt` (ms) for this host, or null when another host has it. */
  acquire(job: ScheduledJob, scheduledAt: number): Promise<HeldJobLease | null>;
  /** Due times whose host stopped renewing its claim mid-run: this host may take them over. */
  orphans(): Promise<Array<{ plugin: string; job: string; scheduledAt: number }>>;
}

export interface HeldJobLease {
  /** 1, or one more than the attempt of the host this one takes over from (runs count across hosts). */
  readonly attempt: number;
  /** Called with the attempt's final record once it ends. */
  release(run: JobRun): Promise<void>;
}

/** A job as the admin API shows it. */
export interface JobView {
  plugin: string;
  id: string;
  handler: string;
  schedule: string;
  source: ScheduledJob["source"];
  payload: unknown;
  description: string | null;
  retries: number;
  timeoutMs: number | null;
  nextRunAt: string | null;
  running: boolean;
  /** When a failed run is retried next. */
  retryAt: string | null;
  /** True while the plugin is disabled (or broken): due times pass without a run. */
  paused: boolean;
  lastRun: JobRun | null;
}

/** What the scheduler keeps per job. */
export interface JobState {
  job: ScheduledJob;
  nextRunAt: number | null;
  running: boolean;
  retry: { at: number; attempt: number; scheduledAt: number } | null;
  /** With a lease: a due time that came while busy, claimed once free unless another host ran it. */
  deferred: number | null;
  history: JobHistory;
}

export type RunListener = (run: JobRun) => void;
