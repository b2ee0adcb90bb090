/**
 * Sorting that is the same everywhere: text is compared by code unit here, never with SQL
 * `ORDER BY` on text (SQLite, PostgreSQL and MySQL collate differently) or `localeCompare`
 * (which depends on the engine's ICU data).
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
