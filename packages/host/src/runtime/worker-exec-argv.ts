/**
 * Node flags for the host's worker threads: the host process's own, minus those a worker
 * refuses (`--input-type` is only for code given on the command line, as `node -e` uses).
 */
export function workerExecArgv(): string[] {
  return process.execArgv.filter((arg) => !arg.startsWith("--input-type"));
}
