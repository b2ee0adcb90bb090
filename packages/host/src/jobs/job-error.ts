export type JobErrorCode = "E_UNKNOWN_JOB" | "E_JOB_RUNNING" | "E_PLUGIN_DISABLED";

const HTTP_STATUS: Record<JobErrorCode, number> = { E_UNKNOWN_JOB: 404, E_JOB_RUNNING: 409, E_PLUGIN_DISABLED: 409 };

/** Why the scheduler refused a request ("run now" on a running job, an unknown job). */
export class JobError extends Error {
  constructor(
    readonly code: JobErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "JobError";
  }

  get status(): number {
    return HTTP_STATUS[this.code];
  }
}
