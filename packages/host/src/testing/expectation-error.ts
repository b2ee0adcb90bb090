import { GoatKitError, type GoatKitErrorOptions } from "../errors.js";

/** A TestHost assertion that did not hold: the message says what was expected and what happened. */
export class ExpectationError extends GoatKitError {
  constructor(message: string, options?: GoatKitErrorOptions) {
    super("E_EXPECTATION", message, options);
    this.name = "ExpectationError";
  }
}
