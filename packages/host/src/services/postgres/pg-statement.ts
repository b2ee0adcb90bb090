import { checkPlaceholderCount, scanSql } from "../database/sql-scan.js";

/** One plugin statement prepared for PostgreSQL: `$n` placeholders and what an INSERT targets. */
export interface PgStatement {
  text: string;
  /** The INSERT's target table as written (maybe schema-qualified or quoted), else null. */
  insertTarget: string | null;
  hasReturning: boolean;
}

const NAME = String.raw`(?:"(?:[^"]|"")*"|[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*)`;
const INSERT_TARGET = new RegExp(String.raw`^\s*insert\s+into\s+(${NAME}(?:\s*\.\s*${NAME})?)`, "i");

/**
 * Rewrites `?` to `$1..$n`, leaving a `?` inside string literals, quoted identifiers, dollar
 * quotes and comments alone. The jsonb `?`, `?|` and `?&` operators therefore cannot be written
 * directly: use `jsonb_exists`, `jsonb_exists_any` and `jsonb_exists_all`.
 */
export function prepareStatement(sql: string, args: readonly unknown[]): PgStatement {
  const { masked, placeholders } = scanSql(sql, "postgres");
  checkPlaceholderCount(placeholders.length, args);
  let text = "";
  let from = 0;
  placeholders.forEach((at, n) => {
    text += `${sql.slice(from, at)}$${n + 1}`;
    from = at + 1;
  });
  text += sql.slice(from);
  // `$n` is longer than `?`, so masked offsets are read on the original text.
  const target = INSERT_TARGET.exec(masked);
  const insertTarget = target ? sql.slice(target.index + target[0].length - target[1]!.length, target.index + target[0].length) : null;
  return { text, insertTarget, hasReturning: /\breturning\b/i.test(masked.replace(/"(?:[^"]|"")*"/g, '""')) };
}

/** The statement with `RETURNING <column>` added, dropping a trailing `;` (and comments after it). */
export function withReturning(text: string, column: string): string {
  const { masked } = scanSql(text, "postgres");
  const end = /;?\s*$/.exec(masked)!.index;
  return `${text.slice(0, end)}\nRETURNING "${column.replace(/"/g, '""')}"`;
}
