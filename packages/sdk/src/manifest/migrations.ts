import { errorAt, type ManifestIssue } from "./issues.js";

/** The prefix of every table and index a plugin creates: its name with "-" → "_", plus "_". */
export function tablePrefix(pluginName: string): string {
  return `${pluginName.replace(/-/g, "_")}_`;
}

/**
 * Splits SQL into statements with comments removed and string literals emptied, so that a
 * `;` or a keyword inside a literal cannot fool the checks below.
 */
export function sqlStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = "";
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "-" && next === "-") {
      const end = sql.indexOf("\n", i);
      i = end < 0 ? sql.length : end;
    } else if (c === "/" && next === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? sql.length : end + 2;
      current += " ";
    } else if (c === "'") {
      let j = i + 1;
      while (j < sql.length && !(sql[j] === "'" && sql[j + 1] !== "'")) j += sql[j] === "'" ? 2 : 1;
      current += "''";
      i = j + 1;
    } else if (c === "$" && /^\$[A-Za-z_]*\$/.test(sql.slice(i))) {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i))![0];
      const end = sql.indexOf(tag, i + tag.length);
      current += "''";
      i = end < 0 ? sql.length : end + tag.length;
    } else if (c === ";") {
      statements.push(current);
      current = "";
      i++;
    } else {
      current += c;
      i++;
    }
  }
  statements.push(current);
  return statements.map((s) => s.replace(/\s+/g, " ").trim()).filter((s) => s !== "");
}

const IDENT = String.raw`(?:"[^"]+"|\x60[^\x60]+\x60|\[[^\]]+\]|[A-Za-z_][A-Za-z0-9_$]*)`;
const NAME = String.raw`(${IDENT}(?:\s*\.\s*${IDENT})?)`;
const NAMES = String.raw`(${IDENT}(?:\s*\.\s*${IDENT})?(?:\s*,\s*${IDENT}(?:\s*\.\s*${IDENT})?)*)`;

/** A statement's effect on one database object. */
interface SqlTarget {
  /** What the statement does, for messages: "creates table", "changes table" ... */
  verb: string;
  name: string;
  /** The statement names a new object (so the fix is to rename it). */
  creates?: boolean;
  /** The statement changes rows, not schema (so db:write:<table> at run time is the alternative). */
  rows?: boolean;
}

function targetFix(target: SqlTarget, name: string, prefix: string): string {
  if (target.creates) return `name it "${prefix}${name}"`;
  if (target.rows) return `migrations may change only the plugin's own tables; to write "${name}" at run time, request "db:write:${name}" and call db_exec from a handler`;
  return `migrations may change only the plugin's own tables; core tables such as "${name}" belong to the host`;
}

/** A statement refused outright, whatever it names. */
interface Refusal {
  refusal: string;
  fix: (prefix: string) => string;
}

type StatementRule = (statement: string) => SqlTarget[] | Refusal | undefined;

const UNNAMED_INDEX: Refusal = { refusal: "creates an index without a name", fix: (prefix) => `name the index, e.g. CREATE INDEX ${prefix}items_name ON ${prefix}items (name)` };
const onlyTablesAndIndexes = (refusal: string): Refusal => ({
  refusal,
  fix: (prefix) => `create only tables and indexes whose names start with "${prefix}", e.g. CREATE TABLE ${prefix}items (...)`,
});

const re = (source: string) => new RegExp(source, "i");

// Each rule returns the objects a statement touches, a refusal message, or undefined when the rule does not apply.
const RULES: StatementRule[] = [
  (s) => match(s, re(String.raw`^CREATE\s+(?:TEMP(?:ORARY)?\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?${NAME}`), (m) => [{ verb: "creates table", name: m[1]!, creates: true }]),
  (s) => (re(String.raw`^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?ON\s`).test(s) ? UNNAMED_INDEX : undefined),
  (s) =>
    match(s, re(String.raw`^CREATE\s+(?:UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?${NAME}\s+ON\s+(?:ONLY\s+)?${NAME}`), (m) => [
      { verb: "creates index", name: m[1]!, creates: true },
      { verb: "creates an index on table", name: m[2]! },
    ]),
  (s) => {
    const kind = re(String.raw`^CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:TEMP|TEMPORARY|MATERIALIZED|RECURSIVE|UNIQUE)\s+)*([A-Za-z_]+)`).exec(s)?.[1];
    return kind ? onlyTablesAndIndexes(`creates a ${kind.toUpperCase()}; migrations may create only tables and indexes`) : undefined;
  },
  (s) =>
    match(s, re(String.raw`^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?${NAME}(?:.*\sRENAME\s+TO\s+${NAME})?`), (m) => [
      { verb: "changes table", name: m[1]! },
      ...(m[2] ? [{ verb: "renames a table to", name: m[2], creates: true }] : []),
    ]),
  (s) => match(s, re(String.raw`^RENAME\s+TABLE\s+${NAME}\s+TO\s+${NAME}`), (m) => [{ verb: "renames table", name: m[1]! }, { verb: "renames a table to", name: m[2]!, creates: true }]),
  (s) =>
    match(s, re(String.raw`^DROP\s+(TABLE|INDEX)\s+(?:CONCURRENTLY\s+)?(?:IF\s+EXISTS\s+)?${NAMES}(?:\s+ON\s+${NAME})?`), (m) => [
      ...splitNames(m[2]!).map((name) => ({ verb: `drops ${m[1]!.toLowerCase()}`, name })),
      ...(m[3] ? [{ verb: "drops an index on table", name: m[3] }] : []),
    ]),
  (s) => {
    const kind = re(String.raw`^DROP\s+(?:MATERIALIZED\s+)?([A-Za-z_]+)`).exec(s)?.[1];
    return kind ? onlyTablesAndIndexes(`drops a ${kind.toUpperCase()}; migrations may drop only the plugin's own tables and indexes`) : undefined;
  },
  (s) => match(s, re(String.raw`^(?:INSERT|REPLACE)\s+(?:OR\s+[A-Za-z]+\s+)?(?:IGNORE\s+)?INTO\s+${NAME}`), (m) => [{ verb: "inserts into table", name: m[1]!, rows: true }]),
  (s) => match(s, re(String.raw`^UPDATE\s+(?:OR\s+[A-Za-z]+\s+)?(?:ONLY\s+)?${NAME}`), (m) => [{ verb: "updates table", name: m[1]!, rows: true }]),
  (s) => match(s, re(String.raw`^DELETE\s+FROM\s+(?:ONLY\s+)?${NAME}`), (m) => [{ verb: "deletes from table", name: m[1]!, rows: true }]),
  (s) => match(s, re(String.raw`^TRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?${NAMES}`), (m) => splitNames(m[1]!).map((name) => ({ verb: "truncates table", name, rows: true }))),
];

function match(statement: string, pattern: RegExp, targets: (m: RegExpExecArray) => SqlTarget[]): SqlTarget[] | undefined {
  const m = pattern.exec(statement);
  return m ? targets(m) : undefined;
}

function splitNames(list: string): string[] {
  return list.split(/\s*,\s*/);
}

/** The object name without quotes or schema qualifier, lower-cased. */
function bareName(name: string): string {
  const last = name.match(new RegExp(IDENT, "g"))?.at(-1) ?? name;
  return last.replace(/^["\x60[]|["\x60\]]$/g, "").toLowerCase();
}

/**
 * Checks that one migration script creates only tables and indexes named with `prefix`, and
 * changes, fills or drops no other table.
 */
export function checkMigrationSql(sql: string, prefix: string, at: string): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  for (const statement of sqlStatements(sql)) {
    const shown = statement.length > 60 ? `${statement.slice(0, 57)}...` : statement;
    for (const rule of RULES) {
      const result = rule(statement);
      if (result === undefined) continue;
      if (!Array.isArray(result)) {
        issues.push(errorAt(at, `"${shown}" ${result.refusal}`, result.fix(prefix)));
      } else {
        for (const target of result) {
          const name = bareName(target.name);
          if (name.startsWith(prefix)) continue;
          issues.push(errorAt(at, `"${shown}" ${target.verb} "${name}", ${target.creates ? `which does not start with the plugin's table prefix "${prefix}"` : `which is not one of the plugin's tables (they start with "${prefix}")`}`, targetFix(target, name, prefix)));
        }
      }
      break;
    }
  }
  return issues;
}
