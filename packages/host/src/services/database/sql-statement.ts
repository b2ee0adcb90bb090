/**
 * Just enough SQL reading to enforce the host-function contract on every dialect: one statement
 * per call, reads through db_query only, and the table a write targets (for table grants).
 * It is not a parser; the database still parses and rejects what is malformed.
 */

export type StatementKind = "read" | "write" | "schema" | "other";

export interface StatementInfo {
  kind: StatementKind;
  /** Lower-cased target table of INSERT/UPDATE/DELETE/REPLACE, without schema or quotes. */
  table: string | null;
  /** True when more than one statement is present. */
  multiple: boolean;
  /** A function a read may never call (`load_extension`), if the statement calls one. */
  forbiddenCall: string | null;
}

// Functions that reach outside the database: SQLite's load_extension loads native code.
const FORBIDDEN_CALL = /\b(load_extension)\s*\(/i;

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

export function inspectStatement(sql: string): StatementInfo {
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
  const forbiddenCall = FORBIDDEN_CALL.exec(masked)?.[1]?.toLowerCase() ?? null;
  return { kind, table, multiple, forbiddenCall };
}
