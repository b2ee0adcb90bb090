/**
 * Which articles a call may see, as a SQL condition on `faq_articles`: customers see published
 * articles only; with a locale chain (`de-AT`, `de`, `en`) each article (by slug) is seen in
 * the first language of the chain that has it, so a German reader gets German articles and
 * the English ones that have no German version.
 */
import type { SqlValue } from "@goatkit/sdk/guest";

export interface Visibility {
  publishedOnly: boolean;
  /** Most specific first; `null` for every locale, without fallback (agents' article lists). */
  locales: readonly string[] | null;
}

/** `WHERE`-ready SQL over the alias of `faq_articles`, and its arguments. */
export function visibleSql(alias: string, visibility: Visibility): { sql: string; args: SqlValue[] } {
  const status = (a: string) => (visibility.publishedOnly ? ` AND ${a}.status = 'published'` : "");
  const conditions = [`1 = 1${status(alias)}`];
  const args: SqlValue[] = [];
  const locales = visibility.locales;
  if (locales !== null && locales.length > 0) {
    const alternatives = locales.map((locale, i) => {
      args.push(locale);
      if (i === 0) return `${alias}.locale = ?`;
      args.push(...locales.slice(0, i));
      const preferred = locales.slice(0, i).map(() => "?").join(", ");
      return `(${alias}.locale = ? AND NOT EXISTS (SELECT 1 FROM faq_articles preferred WHERE preferred.slug = ${alias}.slug AND preferred.locale IN (${preferred})${status("preferred")}))`;
    });
    conditions.push(`(${alternatives.join(" OR ")})`);
  }
  return { sql: conditions.join(" AND "), args };
}

/** `?, ?, ?` for `n` arguments. */
export function placeholders(n: number): string {
  return Array.from({ length: n }, () => "?").join(", ");
}
