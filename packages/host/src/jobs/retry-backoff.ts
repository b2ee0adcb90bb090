/**
 * Delay before retry number `attempt` (the attempt that failed: 1 for the first run):
 * base, 2 × base, 4 × base, ... capped at `maxMs`, so a job failing against a service that is
 * down backs off instead of hammering it.
 */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}
