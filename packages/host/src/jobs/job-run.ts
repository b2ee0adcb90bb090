/** Why a run started. */
export type JobTrigger = "schedule" | "manual" | "retry";

/**
 * One attempt of a job: a scheduled run that fails and is retried appears once per attempt,
 * sharing `scheduledAt`. `skipped` marks a due time that passed while the previous run was
 * still going (runs of one job never overlap); `interrupted` an attempt whose host stopped
 * before it ended (killed, crashed), found when a host starts or takes the due time over.
 */
export interface JobRun {
  /**
   * Increasing. With the platform state it is the run's id in the database, unique across
   * restarts and the hosts sharing the database; negative for a run the database did not take.
   */
  id: number;
  plugin: string;
  job: string;
  trigger: JobTrigger;
  attempt: number;
  scheduledAt: string;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  status: "running" | "succeeded" | "failed" | "skipped" | "interrupted";
  /** The handler's result body (text, cut at MAX_RESULT_CHARS), when it succeeded. */
  result: string | null;
  error: { message: string; code: string } | null;
  /** When the next attempt runs, for a failed attempt that will be retried. */
  retryAt: string | null;
}

export const MAX_RESULT_CHARS = 64 * 1024;

/** The most recent runs of one job, oldest first. */
export class JobHistory {
  readonly #runs: JobRun[] = [];

  constructor(private readonly size: number) {}

  /** Puts back runs stored before a restart, oldest first. */
  restore(runs: JobRun[]): void {
    for (const run of runs) this.add(run);
  }

  add(run: JobRun): void {
    this.#runs.push(run);
    if (this.#runs.length > this.size) this.#runs.splice(0, this.#runs.length - this.size);
  }

  list(): JobRun[] {
    return this.#runs.map((run) => ({ ...run }));
  }

  last(): JobRun | null {
    const run = this.#runs.at(-1);
    return run ? { ...run } : null;
  }
}
