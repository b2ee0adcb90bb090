/** Instants as the plugin's tables keep them: `YYYY-MM-DDTHH:MM:SSZ`, which sorts as text. */
export function formatInstant(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** The demo schema's `YYYY-MM-DD HH:MM:SS` (UTC), for `tickets.change_time`. */
export function sqlTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}
