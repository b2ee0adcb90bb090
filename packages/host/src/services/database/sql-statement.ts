/**
 * Just enough SQL reading to enforce the host-function contract on every dialect: one statement
 * per call, reads through db_query only, and the table a write targets (for table grants).
 * It is not a parser; the database still parses and rejects what is malformed.
 */

import { scanSql, type ScanDialect } from "./sql-scan.js";

export type StatementKind = "read" | "write" | "schema" | "other";

export interface StatementInfo {
  kind: StatementKind;
  /** Lower-cased target table of INSERT/UPDATE/DELETE/REPLACE, without schema or quotes. */
  table: string | null;
  /** True when more than one statement is present. */
  multiple: boolean;
  /** A function plugin SQL may never call (`load_extension`), if the statement calls one, and why. */
  forbiddenCall: { name: string; reason: string } | null;
  /**
   * The first of `tables` the statement names outside strings and comments (bare, quoted, or
   * schema-qualified), lower-cased, or null.
   */
  mentionedTable(tables: readonly string[]): string | null;
}

/**
 * Why plugin SQL may not call a function, or null when it may: some reach outside the database
 * (native code, the server's files, other databases), others run SQL given as a string, which
 * no reading of the statement can check.
 */
function forbiddenReason(name: string): string | null {
  if (name === "load_extension") return "it loads native code into the host"; // SQLite
  if (/^(load_file|pg_read_file|pg_read_binary_file|pg_ls_dir|pg_stat_file|lo_import|lo_export)$/.test(name)) return "it reaches the database server's files"; // MySQL, PostgreSQL
  if (/^dblink/.test(name)) return "it connects to other databases"; // PostgreSQL's dblink extension
  if (/^((query|table|cursor|schema|database)_to_xml(schema|_and_xmlschema)?|ts_stat)$/.test(name)) return "it runs SQL given as a string, past the host's checks"; // PostgreSQL
  return null;
}

// A call, also schema-qualified (`pg_catalog.f(`) or quoted (`"f"(`).
const CALL = /(\w+)[`"\]]?\s*\(/g;

/**
 * Removes comments and string contents so keywords and `;` can be found safely. Quoted
 * identifiers (`"..."`, `` `...` ``, SQLite's `[...]`) keep their text, for the write target,
 * but lose any `;` or quote inside: a quote in an identifier must not open a string that would
 * hide the next statement from this reading.
 */
function mask(sql: string): string {
  let out = "";
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "-" && next === "-") {
      while (i < sql.length && sql[i] !== "\n") i++;
      out += " ";
    } else if (c === "/" && next === "*") {
      i += 2;
      while (i < sql.length && !(sql[i] === "*" && sql[i + 1] === "/")) i++;
      i += 2;
      out += " ";
    } else if (c === "'") {
      i++;
      while (i < sql.length) {
        if (sql[i] === "'" && sql[i + 1] === "'") i += 2;
        else if (sql[i] === "'") break;
        else i++;
      }
      i++;
      out += "''";
    } else if (c === '"' || c === "`" || c === "[") {
      const close = c === "[" ? "]" : c;
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === close && close !== "]" && sql[j + 1] === close) j += 2;
        else if (sql[j] === close) break;
        else j++;
      }
      out += c + sql.slice(i + 1, j).replace(/[;'"`[\]]/g, " ") + (j < sql.length ? close : "");
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const WRITE_TARGET =
  /^(?:insert(?:\s+or\s+\w+)?\s+into|replace\s+into|update(?:\s+or\s+\w+)?|delete\s+from)\s+((?:[`"[]?\w+[`"\]]?\.)?[`"[]?(\w+)[`"\]]?)/i;

/**
 * `dialect` decides how strings and comments are read when looking for calls and table names
 * (MySQL's `#` comments, PostgreSQL's `E'...'` and `$$...$$`), so no string the database reads as
 * code can hide one.
 */
export function inspectStatement(sql: string, dialect: ScanDialect = "sqlite"): StatementInfo {
  const masked = mask(sql).trim();
  const body = masked.replace(/;\s*$/, "");
  const multiple = body.includes(";");
  const head = body.replace(/^\(+/, "").trimStart();
  const keyword = (/^\w+/.exec(head)?.[0] ?? "").toLowerCase();
  let kind: StatementKind = "other";
  let table: string | null = null;
  if (["select", "with", "values", "explain", "show"].includes(keyword)) {
    // A WITH that ends in a write is a write (PostgreSQL allows data-modifying CTEs).
    kind = keyword === "with" && /\)\s*(insert|update|delete)\b/i.test(head) ? "write" : "read";
  } else if (["insert", "update", "delete", "replace"].includes(keyword)) {
    kind = "write";
    const m = WRITE_TARGET.exec(head);
    table = m?.[2]?.toLowerCase() ?? null;
  } else if (["create", "alter", "drop", "truncate", "rename", "grant", "revoke", "vacuum", "reindex", "attach", "detach", "pragma"].includes(keyword)) {
    kind = "schema";
  }
  // Calls and table names are read with the dialect's rules for strings and comments.
  const code = scanSql(sql, dialect).masked;
  let forbiddenCall: StatementInfo["forbiddenCall"] = null;
  for (const [, called] of code.matchAll(CALL)) {
    const name = called!.toLowerCase();
    const reason = forbiddenReason(name);
    if (reason) {
      forbiddenCall = { name, reason };
      break;
    }
  }
  return { kind, table, multiple, forbiddenCall, mentionedTable: (tables) => firstMentioned(code, tables) };
}

function firstMentioned(code: string, tables: readonly string[]): string | null {
  const names = new Set(tables.map((t) => t.toLowerCase()));
  for (const [word] of code.matchAll(/\w+/g)) {
    const name = word.toLowerCase();
    if (names.has(name)) return name;
  }
  return null;
}
