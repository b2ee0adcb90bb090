import pg from "pg";
import type { Row } from "../types.js";
import { decimalValue, integerValue, scalarValue, utcTimestamp } from "../database/sql-values.js";

/**
 * How PostgreSQL's text results become row values (docs/services.md, "Normalized values").
 * Given to each pool as its own `types`, so the process-wide pg.types stay untouched for other
 * code sharing the `pg` module.
 */

const OID = {
  bytea: 17,
  int8: 20,
  float4: 700,
  float8: 701,
  json: 114,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  timetz: 1266,
  numeric: 1700,
  jsonb: 3802,
} as const;

const asText = (text: string) => text;
// JSON has no NaN or Infinity: keep those as the text the database sent, as numeric does.
const floatValue = (text: string) => {
  const n = Number(text);
  return Number.isFinite(n) ? n : text;
};

const PARSERS: Record<number, (text: string) => unknown> = {
  [OID.int8]: integerValue,
  [OID.numeric]: decimalValue,
  [OID.float4]: floatValue,
  [OID.float8]: floatValue,
  // Dates and naive timestamps are shown as stored; pg's default would make local-time Dates.
  [OID.date]: asText,
  [OID.timestamp]: asText,
  [OID.timestamptz]: utcTimestamp,
  [OID.time]: asText,
  [OID.timetz]: asText,
  [OID.interval]: asText,
  // JSON stays the text the database returned, as SQLite and MySQL give it.
  [OID.json]: asText,
  [OID.jsonb]: asText,
};

export const PG_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    if (format !== "binary" && PARSERS[oid]) return PARSERS[oid];
    return pg.types.getTypeParser(oid, format as "text");
  }) as pg.CustomTypesConfig["getTypeParser"],
};

/** Arrays, bytea buffers and other structured values become text; scalars pass through. */
export function normalizePgRows(rows: Record<string, unknown>[]): Row[] {
  for (const row of rows) {
    for (const key in row) {
      const value = row[key];
      if (value !== null && typeof value === "object") row[key] = scalarValue(value);
    }
  }
  return rows as Row[];
}
