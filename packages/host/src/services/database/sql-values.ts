import type { SqlValue } from "../types.js";

/**
 * The row value conventions every adapter returns (docs/services.md, "Normalized values"), so a
 * plugin sees the same JSON from SQLite, PostgreSQL and MySQL: integers as numbers (as strings
 * beyond ±2^53, where a number would lose digits), decimals as numbers, times as UTC text.
 */

const INTEGER_TEXT = /^[+-]?\d+$/;

/** An integer the driver gave as text or bigint: a number when exact, else its digits. */
export function integerValue(value: string | bigint): number | string {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : String(value);
}

/** A DECIMAL/NUMERIC as text: a number, except integers too big for one and NaN/Infinity. */
export function decimalValue(text: string): number | string {
  if (INTEGER_TEXT.test(text)) return integerValue(text);
  const n = Number(text);
  return Number.isFinite(n) ? n : text;
}

const TIMESTAMP_WITH_OFFSET = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d)(\.\d+)?([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?$/;

/**
 * `YYYY-MM-DD HH:MM:SS[.ffffff]` in UTC from PostgreSQL's timestamptz text. Sessions run in UTC,
 * so the offset is normally `+00`; another offset is converted, keeping the fraction's digits.
 */
export function utcTimestamp(text: string): string {
  const m = TIMESTAMP_WITH_OFFSET.exec(text);
  if (!m) return text;
  const [, day, time, fraction = "", sign, hh, mm = "00", ss = "00"] = m;
  const offsetSeconds = (sign === "-" ? -1 : 1) * (Number(hh) * 3600 + Number(mm) * 60 + Number(ss));
  if (offsetSeconds === 0) return `${day} ${time}${fraction}`;
  const ms = Date.parse(`${day}T${time}Z`) - offsetSeconds * 1000;
  if (Number.isNaN(ms)) return text;
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")}${fraction}`;
}

/** `YYYY-MM-DD HH:MM:SS` (UTC) for a Date a driver produced despite the settings. */
export function dateValue(date: Date): string {
  return date.toISOString().slice(0, 19).replace("T", " ");
}

/**
 * The last resort for driver values that are not SQL scalars: bytes as base64, dates as UTC
 * text, bigints as integers, arrays and objects (JSON, arrays, points) as JSON text.
 */
export function scalarValue(value: unknown): SqlValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "bigint":
      return integerValue(value);
  }
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64");
  if (value instanceof Date) return dateValue(value);
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? integerValue(v) : v));
}
