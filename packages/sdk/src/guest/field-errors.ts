/**
 * Validation problems, collected so one answer names every field that is wrong:
 * `invalid appointment: "start" must be a date-time; "tzid" is not a time zone`, status 400,
 * code `VALIDATION_FAILED`.
 */
import { PluginError } from "./errors.js";

export class FieldErrors {
  readonly #problems: string[] = [];

  /** Records that `field` (a JSON name, `steps[2].minutes`, or a query parameter) is wrong, and why. */
  add(field: string, problem: string): void {
    this.#problems.push(`"${field}" ${problem}`);
  }

  get empty(): boolean {
    return this.#problems.length === 0;
  }

  /** Throws the 400 answer for `subject` (`appointment`, `request`, ...) when a problem was recorded. */
  throwIfAny(subject: string): void {
    if (this.#problems.length > 0) throw new PluginError(`invalid ${subject}: ${this.#problems.join("; ")}`, 400, "VALIDATION_FAILED");
  }
}
