import mysql from "mysql2/promise";
import type { ExecuteValues, FieldPacket } from "mysql2/promise";
import type { Row, SqlValue } from "../types.js";
import { decimalValue, integerValue, scalarValue } from "../database/sql-values.js";

/**
 * How MySQL/MariaDB values become row values (docs/services.md, "Normalized values"). The pool
 * already returns BIGINT as a number when exact (else a string), dates as text and JSON as text;
 * this finishes the rest from the column metadata.
 */

const TYPE = { decimal: 0, tiny: 1, longLong: 8, bit: 16, newDecimal: 246 } as const;

export function normalizeMysqlRows(rows: Record<string, unknown>[], fields: FieldPacket[]): Row[] {
  const converters = fields.map((field) => [field.name, converterFor(field)] as const);
  for (const row of rows) {
    for (const [name, convert] of converters) row[name] = convert(row[name]);
  }
  return rows as Row[];
}

function converterFor(field: FieldPacket): (value: unknown) => SqlValue {
  switch (field.columnType) {
    case TYPE.decimal:
    case TYPE.newDecimal:
      return (v) => (typeof v === "string" ? decimalValue(v) : scalarValue(v));
    case TYPE.longLong:
      // mysql2 gives a number up to 2^53 inclusive; 2^53 itself is already past "exact".
      return (v) => (typeof v === "number" && !Number.isSafeInteger(v) ? String(v) : scalarValue(v));
    case TYPE.tiny:
      // BOOLEAN is TINYINT(1) in MySQL; wider TINYINTs are numbers.
      return field.columnLength === 1 ? (v) => (v === null || v === undefined ? null : Boolean(v)) : scalarValue;
    case TYPE.bit:
      return (v) => (v instanceof Uint8Array ? integerValue(v.reduce((n, byte) => (n << 8n) | BigInt(byte), 0n)) : scalarValue(v));
    default:
      return scalarValue;
  }
}

/**
 * Placeholders for `execute`: exact integers go as BIGINT (mysql2 would send every number as
 * DOUBLE, which `LIMIT ?` refuses on MySQL 8); other values as mysql2 types them.
 */
export function toMysqlArgs(args: readonly SqlValue[]): ExecuteValues[] {
  return args.map((v) => (typeof v === "number" && Number.isSafeInteger(v) ? mysql.TypedParameter.LONGLONG(v) : v));
}
