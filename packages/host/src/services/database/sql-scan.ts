import { DatabaseError } from "./database-error.js";
/**
 * A lexical pass over one SQL text, per dialect: where the `?` placeholders are, and
 * a masked copy (same length) in which comments and string contents are blanked, so keywords
 * found in it are real keywords and their offsets are valid in the original text.
 * Quoted identifiers are kept in the mask (quotes included) so a target table can be read back.
 */

export type ServerDialect = "postgres" | "mysql";
export type ScanDialect = ServerDialect | "sqlite";

export interface ScannedSql {
  /** The SQL with comments and string literal contents replaced by spaces. */
  masked: string;
  /** Offsets of the `?` placeholders, in order. */
  placeholders: number[];
}

const IDENTIFIER_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_TAG = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;

export function scanSql(sql: string, dialect: ScanDialect): ScannedSql {
  const out: string[] = [];
  const placeholders: number[] = [];
  const blank = (from: number, to: number) => out.push(sql.slice(from, to).replace(/[^\n]/g, " "));
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    const start = i;
    if (c === "-" && next === "-" && (dialect !== "mysql" || /[\s]/.test(sql[i + 2] ?? " "))) {
      // MySQL needs whitespace after `--` (`1--1` is arithmetic there).
      while (i < sql.length && sql[i] !== "\n") i++;
      blank(start, i);
    } else if (c === "#" && dialect === "mysql") {
      while (i < sql.length && sql[i] !== "\n") i++;
      blank(start, i);
    } else if (c === "/" && next === "*") {
      i = skipBlockComment(sql, i, dialect === "postgres");
      blank(start, i);
    } else if (c === "'") {
      // MySQL sessions run with NO_BACKSLASH_ESCAPES: only PostgreSQL's E'...' takes escapes.
      const backslashes = dialect === "postgres" && isEscapeStringPrefix(sql, i);
      const end = skipQuoted(sql, i, "'", backslashes);
      i = end.index;
      out.push("'");
      blank(start + 1, end.closed ? i - 1 : i);
      if (end.closed) out.push("'");
    } else if (c === '"' || (c === "`" && dialect !== "postgres") || (c === "[" && dialect === "sqlite")) {
      // Identifiers (MySQL sessions run with ANSI_QUOTES, so `"` quotes identifiers there too;
      // SQLite also takes `[...]`, which has no escape).
      const close = sql.indexOf("]", i + 1);
      i = c === "[" ? (close === -1 ? sql.length : close + 1) : skipQuoted(sql, i, c, false).index;
      out.push(sql.slice(start, i).replace(/\?/g, " "));
    } else if (c === "$" && dialect === "postgres" && !IDENTIFIER_CHAR.test(sql[i - 1] ?? " ")) {
      const tag = DOLLAR_TAG.exec(sql.slice(i, i + 64))?.[0];
      if (tag === undefined) {
        out.push(c);
        i++;
      } else {
        const end = sql.indexOf(tag, i + tag.length);
        i = end === -1 ? sql.length : end + tag.length;
        blank(start, i);
      }
    } else {
      if (c === "?") placeholders.push(i);
      out.push(c);
      i++;
    }
  }
  return { masked: out.join(""), placeholders };
}

/** PostgreSQL's E'...' strings take backslash escapes; plain '...' do not. */
function isEscapeStringPrefix(sql: string, quote: number): boolean {
  const prefix = sql[quote - 1];
  return (prefix === "e" || prefix === "E") && !IDENTIFIER_CHAR.test(sql[quote - 2] ?? " ");
}

/** Index just past the closing quote (a doubled quote is an escaped one), or the end when unclosed. */
function skipQuoted(sql: string, open: number, quote: string, backslashes: boolean): { index: number; closed: boolean } {
  let i = open + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (backslashes && c === "\\") i += 2;
    else if (c === quote && sql[i + 1] === quote) i += 2;
    else if (c === quote) return { index: i + 1, closed: true };
    else i++;
  }
  return { index: sql.length, closed: false };
}

/** PostgreSQL block comments nest; MySQL's do not. */
function skipBlockComment(sql: string, open: number, nested: boolean): number {
  let depth = 0;
  let i = open;
  while (i < sql.length) {
    if (sql[i] === "/" && sql[i + 1] === "*" && (nested || depth === 0)) {
      depth++;
      i += 2;
    } else if (sql[i] === "*" && sql[i + 1] === "/") {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return sql.length;
}

/** The same message on every adapter when the argument count does not match. */
export function checkPlaceholderCount(placeholders: number, args: readonly unknown[]): void {
  if (placeholders !== args.length) {
    const s = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
    throw new DatabaseError("E_SQL_REFUSED", `the SQL has ${s(placeholders, "? placeholder")} but ${args.length === 1 ? "1 argument was" : `${args.length} arguments were`} given; pass one argument per ?`, { fix: "pass one argument per ?" });
  }
}
