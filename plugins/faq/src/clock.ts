/**
 * Timestamps are stored as ISO 8601 text (`2026-03-10T12:00:00.000Z`): the same string on
 * every database, where TIMESTAMP columns would come back formatted three ways.
 */
export function nowTimestamp(): string {
  return new Date(Date.now()).toISOString();
}
