/**
 * What a SQLite statement will do, read from SQLite's own compiled program (`EXPLAIN`), not
 * from its text: the b-trees it opens for reading and writing (by root page, whatever name,
 * quoting, view or trigger led there), the functions it calls, and whether it changes the schema
 * or the connection. The plugin's SQLite view (sqlite-plugin-database.ts) decides from this.
 */

import { SQLITE_FUNCTIONS, SQLITE_SCHEMA_FUNCTIONS } from "./sqlite-functions.js";

export interface ExplainRow {
  opcode: string;
  p1: number | bigint;
  p2: number | bigint;
  p3: number | bigint;
  p4: string | null;
  p5: number | bigint;
}

export interface ProgramAccess {
  /** Root pages opened for reading (tables and indexes of the main database). */
  reads: Set<number>;
  /** Root pages opened for writing or cleared. */
  writes: Set<number>;
  /** Names of the functions the program calls, lower case, outside SQLite's own set. */
  foreignFunctions: Set<string>;
  /** SQLite's internal schema functions (ALTER TABLE's rewriting of the schema). */
  schemaFunctions: Set<string>;
  /** Why the program reaches beyond the main database's tables, or null. */
  refusal: string | null;
  /** The first opcode that changes the schema (CREATE, DROP, ALTER), or null. */
  changesSchema: string | null;
}

// Opcodes of DDL: allowed in a migration only, where the schema comparison decides.
const SCHEMA_OPCODES = new Set(["ReadCookie", "SetCookie", "CreateBtree", "ParseSchema", "Destroy", "DropTable", "DropIndex", "DropTrigger", "SqlExec", "Expire", "RenameTable"]);
// Opcodes that reach past the tables: the connection's settings, the file, other databases.
const CONNECTION_OPCODES = new Set(["JournalMode", "Vacuum", "IncrVacuum", "Checkpoint", "IntegrityCk", "LoadAnalysis", "TableLock", "Pagecount", "MaxPgcnt", "AutoCommit", "Savepoint"]);
const FUNCTION_OPCODES = new Set(["Function", "PureFunc", "AggStep", "AggStep1", "AggFinal", "AggValue", "AggInverse"]);
const OPEN_OPCODES = new Set(["OpenRead", "ReopenIdx", "OpenWrite"]);
// OpenRead/OpenWrite's P5 flag (sqliteInt.h): P2 is a register holding the root page, as for a
// b-tree this statement creates. (0x02 is OPFLAG_SEEKEQ, set on ordinary reads and writes.)
const OPFLAG_P2ISREG = 0x10;

/** Reads the compiled program's rows into what the statement touches. */
export function programAccess(rows: readonly ExplainRow[]): ProgramAccess {
  const access: ProgramAccess = { reads: new Set(), writes: new Set(), foreignFunctions: new Set(), schemaFunctions: new Set(), refusal: null, changesSchema: null };
  const refuse = (why: string) => {
    access.refusal ??= why;
  };
  for (const row of rows) {
    const op = row.opcode;
    if (OPEN_OPCODES.has(op)) {
      if (Number(row.p3) === 1 && Number(row.p2) === 1 && !(Number(row.p5) & OPFLAG_P2ISREG)) {
        // ALTER TABLE also rewrites temporary triggers: the temporary schema, compared afterwards.
        access.changesSchema ??= "OpenRead temp schema";
        continue;
      }
      if (Number(row.p3) !== 0) refuse("it opens the temporary database or an attached one");
      if (op === "OpenWrite" && (Number(row.p5) & OPFLAG_P2ISREG) !== 0) {
        access.changesSchema ??= "OpenWrite"; // a table or index this statement creates
        continue;
      }
      (op === "OpenWrite" ? access.writes : access.reads).add(Number(row.p2));
    } else if (op === "Clear") {
      if (Number(row.p2) !== 0) refuse("it clears a table of the temporary database or an attached one");
      access.writes.add(Number(row.p1));
    } else if (FUNCTION_OPCODES.has(op)) {
      const name = (row.p4 ?? "").replace(/\(.*$/s, "").toLowerCase();
      if (SQLITE_SCHEMA_FUNCTIONS.has(name)) access.schemaFunctions.add(name);
      else if (!SQLITE_FUNCTIONS.has(name)) access.foreignFunctions.add(name);
    } else if (op.startsWith("V") && /^V[A-Z]/.test(op)) {
      refuse("it uses a virtual table (such as fsdir, json_each or sqlite_dbpage), which plugins may not");
    } else if (SCHEMA_OPCODES.has(op)) {
      access.changesSchema ??= op;
      if (op === "Destroy") access.writes.add(Number(row.p1));
    } else if (CONNECTION_OPCODES.has(op)) {
      refuse(`it changes the database file or the connection (${op})`);
    }
  }
  return access;
}
