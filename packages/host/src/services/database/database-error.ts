import { GoatKitError, type GoatKitErrorOptions } from "../../errors.js";

/**
 * A database failure the host names itself: a statement refused before it runs
 * (`E_SQL_REFUSED`: more than one statement, a write through query(), a wrong argument count),
 * a lock another host holds (`E_DATABASE_LOCK`), or the host's own setup of the database
 * (`E_DATABASE`: plugin roles and accounts, its stored state).
 */
export class DatabaseError extends GoatKitError {
  declare readonly code: "E_SQL_REFUSED" | "E_DATABASE_LOCK" | "E_DATABASE";

  constructor(code: DatabaseError["code"], message: string, options?: GoatKitErrorOptions) {
    super(code, message, options);
    this.name = "DatabaseError";
  }
}
