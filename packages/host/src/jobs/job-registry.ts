import { createHash } from "node:crypto";
import { Cron } from "croner";

export interface ScheduledJob {
  id: string;
  plugin: string;
  schedule: string;
  handler: string;
  payload: unknown;
  /** Where the job came from: the manifest's `jobs` or a `schedule_job` call. */
  source: "manifest" | "schedule_job";
}

/**
 * The jobs plugins declare or schedule. It only records them and answers "when next"; running
 * them on time is the scheduler's job.
 */
export class JobRegistry {
  readonly #jobs = new Map<string, ScheduledJob>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Adds or replaces a job. The same plugin, schedule and handler give the same id, so a plugin
   * that schedules its jobs on every start does not pile up duplicates.
   */
  schedule(job: Omit<ScheduledJob, "id"> & { id?: string }): { job: ScheduledJob; nextRun: Date | null } {
    const nextRun = nextRunOf(job.schedule, new Date(this.now()));
    const id = job.id ?? createHash("sha256").update(`${job.plugin}\n${job.schedule}\n${job.handler}`).digest("hex").slice(0, 16);
    const stored: ScheduledJob = { ...job, id };
    this.#jobs.set(`${job.plugin}\u0000${id}`, stored);
    return { job: stored, nextRun };
  }

  list(plugin?: string): ScheduledJob[] {
    return [...this.#jobs.values()].filter((j) => plugin === undefined || j.plugin === plugin);
  }

  removePlugin(plugin: string): void {
    for (const [key, job] of this.#jobs) if (job.plugin === plugin) this.#jobs.delete(key);
  }
}

/** Next run of a cron expression after `from`; throws the parser's message when it is invalid. */
export function nextRunOf(schedule: string, from: Date): Date | null {
  return new Cron(schedule, { paused: true, timezone: "UTC" }).nextRun(from);
}
