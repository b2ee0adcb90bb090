import { GoatKitError, type GoatKitErrorOptions } from "../errors.js";

export type JobErrorCode = "E_UNKNOWN_JOB" | "E_JOB_RUNNING" | "E_PLUGIN_DISABLED" | "E_NO_SCHEDULER";

/** Why the scheduler refused a request ("run now" on a running job, an unknown job); statuses in ERROR_STATUS. */
export class JobError extends GoatKitError {
  declare readonly code: JobErrorCode;

  constructor(code: JobErrorCode, message: string, options?: GoatKitErrorOptions) {
    super(code, message, options);
    this.name = "JobError";
  }
}
