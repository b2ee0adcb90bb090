import { DatabaseError } from "./database-error.js";
import { scanSql } from "./sql-scan.js";

/**
 * MySQL's date functions as the tutorials write them (`DATE_SUB(NOW(), INTERVAL 30 DAY)`,
 * `DATE(create_time) = CURDATE()`), rewritten into SQLite's own date functions before a statement
 * is compiled, so they run on the embedded database. SQLite cannot parse `INTERVAL`, and libsql
 * has no user-defined functions, so the rewrite works on the text: on the scanner's masked copy
 * (sql-scan.ts), so names inside strings, comments and quoted identifiers are never touched.
 *
 * This is a convenience, not a security boundary: the rewritten statement goes through the same
 * check of its compiled program (sqlite-program.ts) as any other, and only calls SQLite's own
 * `date`, `time` and `datetime`. Values are text in the demo data's format, in UTC:
 *
 * | MySQL | SQLite | result |
 * | --- | --- | --- |
 * | `NOW()`, `CURRENT_TIMESTAMP()` | `datetime('now')` | `YYYY-MM-DD HH:MM:SS` |
 * | `CURDATE()`, `CURRENT_DATE()` | `date('now')` | `YYYY-MM-DD` |
 * | `CURTIME()`, `CURRENT_TIME()` | `time('now')` | `HH:MM:SS` |
 * | `DATE_SUB(x, INTERVAL n UNIT)`, `DATE_ADD(...)` | `datetime(x, '-n days')`, or `date(...)` | as MySQL: a date when `x` is one and UNIT is DAY, WEEK, MONTH, QUARTER or YEAR |
 *
 * UNIT is SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, QUARTER or YEAR; `n` is any expression (`?`
 * included). Month arithmetic is SQLite's: `2026-01-31` plus one MONTH is `2026-03-03`, where
 * MySQL clamps to `2026-02-28`.
 */
export function rewriteMysqlDates(sql: string): string {
  if (!QUICK.test(sql)) return sql;
  const masked = scanSql(sql, "sqlite").masked;
  return rewrite(sql, masked, 0, sql.length);
}

const QUICK = /\b(?:now|curdate|curtime|current_date|current_time|current_timestamp|date_sub|date_add)\s*\(/i;
const CALL = /(?<![\w$.\u0080-\uffff"`\]])(now|curdate|curtime|current_date|current_time|current_timestamp|date_sub|date_add)\s*\(/gi;
const NO_ARGUMENT: Record<string, string> = {
  now: "datetime('now')",
  current_timestamp: "datetime('now')",
  curdate: "date('now')",
  current_date: "date('now')",
  curtime: "time('now')",
  current_time: "time('now')",
};
/** A unit's SQLite modifier word, and what `n` is multiplied by. */
const UNITS: Record<string, [string, number]> = {
  second: ["seconds", 1],
  minute: ["minutes", 1],
  hour: ["hours", 1],
  day: ["days", 1],
  week: ["days", 7],
  month: ["months", 1],
  quarter: ["months", 3],
  year: ["years", 1],
};
const DATE_UNITS = new Set(["day", "week", "month", "quarter", "year"]);

/** The text of [from, to) with every call in it rewritten, inner calls first. */
function rewrite(sql: string, masked: string, from: number, to: number): string {
  let out = "";
  let cursor = from;
  CALL.lastIndex = from;
  for (let match = CALL.exec(masked); match !== null && match.index < to; match = CALL.exec(masked)) {
    const name = match[1]!.toLowerCase();
    const open = match.index + match[0].length - 1;
    const close = matchingParen(masked, open);
    if (close === -1 || close >= to) break;
    const args = splitArguments(masked, open + 1, close);
    const replacement = replaceCall(sql, masked, name, match[1]!, args);
    if (replacement === null) {
      // Not MySQL's form (NOW(3), a function of the plugin's own name): left as written.
      continue;
    }
    out += sql.slice(cursor, match.index) + replacement;
    cursor = close + 1;
    CALL.lastIndex = cursor;
  }
  return out + sql.slice(cursor, to);
}

function replaceCall(sql: string, masked: string, name: string, written: string, args: Array<[number, number]>): string | null {
  const noArguments = args.length === 1 && masked.slice(args[0]![0], args[0]![1]).trim() === "";
  if (name in NO_ARGUMENT) return noArguments ? NO_ARGUMENT[name]! : null;
  // DATE_SUB(x, INTERVAL n UNIT) and DATE_ADD(...).
  const interval = args.length === 2 ? /^(\s*interval\s+)([\s\S]+?)\s+([a-z]+)\s*$/i.exec(masked.slice(args[1]![0], args[1]![1])) : null;
  const unit = interval?.[3]!.toLowerCase();
  if (!interval || !unit || !(unit in UNITS)) {
    throw new DatabaseError(
      "E_SQL_REFUSED",
      `${written.toUpperCase()}(${sql.slice(args[0]?.[0] ?? 0, args.at(-1)?.[1] ?? 0).trim()}) is not MySQL's ${written.toUpperCase()}(date, INTERVAL n UNIT); on SQLite it is understood with UNIT one of ${Object.keys(UNITS).map((u) => u.toUpperCase()).join(", ")}, e.g. ${written.toUpperCase()}(NOW(), INTERVAL 30 DAY)`,
    );
  }
  const [word, factor] = UNITS[unit]!;
  const [xFrom, xTo] = args[0]!;
  const nFrom = args[1]![0] + interval[1]!.length;
  const x = rewrite(sql, masked, xFrom, xTo).trim();
  const n = rewrite(sql, masked, nFrom, nFrom + interval[2]!.length).trim();
  const sign = name === "date_sub" ? "-" : "";
  const amount = factor === 1 ? `${sign}(${n})` : `${sign}(${n}) * ${factor}`;
  const result = DATE_UNITS.has(unit) && isDate(sql.slice(xFrom, xTo), masked.slice(xFrom, xTo)) ? "date" : "datetime";
  return `${result}(${x}, (${amount}) || ' ${word}')`;
}

/** Whether MySQL would type the expression a DATE: CURDATE(), CURRENT_DATE, DATE(...), a 'YYYY-MM-DD' literal. */
function isDate(argument: string, maskedArgument: string): boolean {
  const text = maskedArgument.trim();
  if (/^(?:curdate\s*\(\s*\)|current_date(?:\s*\(\s*\))?)$/i.test(text)) return true;
  if (/^'\d{4}-\d\d-\d\d'$/.test(argument.trim())) return true;
  const call = /^(date|date_sub|date_add)\s*\(/i.exec(text);
  if (call === null || matchingParen(text, call[0].length - 1) !== text.length - 1) return false;
  if (call[1]!.toLowerCase() === "date") return true;
  // DATE_SUB/DATE_ADD of a date by days or more is a date too.
  const offset = maskedArgument.indexOf(text);
  const args = splitArguments(text, call[0].length, text.length - 1);
  const unit = args.length === 2 ? /\s([a-z]+)\s*$/i.exec(text.slice(args[1]![0], args[1]![1]))?.[1]?.toLowerCase() : undefined;
  const [from, to] = args[0]!;
  return unit !== undefined && DATE_UNITS.has(unit) && isDate(argument.slice(offset + from, offset + to), text.slice(from, to));
}

/** The index of the `)` closing the `(` at `open` in the masked text, or -1. */
function matchingParen(masked: string, open: number): number {
  let depth = 0;
  for (let i = open; i < masked.length; i++) {
    const c = masked[i]!;
    if (c === '"' || c === "`" || c === "[") {
      i = skipIdentifier(masked, i);
    } else if (c === "(") {
      depth++;
    } else if (c === ")") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Top-level comma-separated ranges between `from` and `to` (exclusive). */
function splitArguments(masked: string, from: number, to: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let depth = 0;
  let start = from;
  for (let i = from; i < to; i++) {
    const c = masked[i]!;
    if (c === '"' || c === "`" || c === "[") i = skipIdentifier(masked, i);
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      ranges.push([start, i]);
      start = i + 1;
    }
  }
  ranges.push([start, to]);
  return ranges;
}

/** Index of the closing quote of a quoted identifier (kept in the mask), or the end. */
function skipIdentifier(masked: string, open: number): number {
  const quote = masked[open] === "[" ? "]" : masked[open]!;
  const close = masked.indexOf(quote, open + 1);
  return close === -1 ? masked.length : close;
}
