/**
 * The host's errors: one family. Every error the host throws on purpose is a GoatKitError with
 * a code, a message that names the problem, the HTTP status its code answers with (from the one
 * table below) and, where there is one, the fix. HTTP maps them to `{"error", "code"}` answers
 * in one place (http/http-error.ts), the CLI prints them in one place (gk's main).
 *
 * docs/errors.md lists the same table, with when each code is used; a test keeps the two equal.
 */

/**
 * The HTTP status of every code a GoatKitError carries; the single source of statuses. A code
 * that reaches a client as an HTTP answer answers with this status.
 */
export const ERROR_STATUS = {
  // A plugin call or load that failed outside the plugin's own answer (PluginCallError).
  E_UNKNOWN_HANDLER: 500,
  E_BAD_RESULT: 500,
  E_TRAP: 500,
  E_TIMEOUT: 504,
  E_BAD_POINTER: 500,
  E_ALLOC_FAILED: 500,
  E_RESULT_TOO_LARGE: 500,
  E_REQUEST_TOO_LARGE: 413,
  E_INVALID_UTF8: 500,
  E_REGISTRATION: 500,
  E_ABI_VERSION: 500,
  E_UNKNOWN_IMPORT: 500,
  E_LOAD: 500,
  E_UNAVAILABLE: 503,
  E_BAD_TEMPLATE_RESULT: 500,
  // A route's answer that HTTP cannot carry (http/plugin-response.ts): the host is the gateway.
  E_BAD_STATUS: 502,
  E_BAD_HEADER: 502,
  // The platform's refusals (PluginManagerError, JobError).
  E_UNKNOWN_PLUGIN: 404,
  E_PLUGIN_DISABLED: 503,
  E_PLUGIN_BROKEN: 503,
  E_SHUTTING_DOWN: 503,
  E_PLUGINS_DIR: 500,
  E_DUPLICATE_PLUGIN: 409,
  E_RELOAD: 500,
  E_UNKNOWN_JOB: 404,
  E_JOB_RUNNING: 409,
  E_NO_SCHEDULER: 404,
  // Templates (TemplateError).
  E_TEMPLATE: 500,
  E_TEMPLATE_NOT_FOUND: 404,
  E_TEMPLATE_SYNTAX: 500,
  // Packages, keys and signatures (PackageError).
  E_PACKAGE_INVALID: 500,
  E_PACKAGE_UNSAFE: 500,
  E_PACKAGE_TAMPERED: 500,
  E_PACKAGE_UNSIGNED: 500,
  E_SIGNATURE_UNTRUSTED: 500,
  E_SIGNATURE_INVALID: 500,
  E_KEY_INVALID: 500,
  E_PACK_SOURCE: 500,
  E_I18N_INVALID: 500,
  E_NPM_PLUGIN: 500,
  E_TARGET_EXISTS: 500,
  // Host functions a plugin called (HostCallError, DatabasePermissionError, the HTTP service's refusals).
  E_PERMISSION_DENIED: 403,
  E_INVALID_ARGUMENT: 400,
  E_LIMIT_EXCEEDED: 429,
  E_SERVICE: 502,
  // Services: the database, outbound HTTP, their configuration.
  E_SQL_REFUSED: 400,
  E_MIGRATION: 500,
  E_DATABASE: 500,
  E_DATABASE_LOCK: 503,
  STATEMENT_TIMEOUT: 504,
  E_HTTP_REQUEST: 502,
  E_SERVICE_CONNECTION: 503,
  E_CONFIG: 500,
  // The host itself: a package installed without its build output.
  E_NOT_BUILT: 500,
  // The testing API's assertions (ExpectationError).
  E_EXPECTATION: 500,
  // The demo help desk's refusals (DemoDeskError).
  E_BAD_REQUEST: 400,
  E_NOT_FOUND: 404,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** The HTTP status of a code; 500 for a code the table does not know (a plugin's own code). */
export function statusOf(code: string): number {
  return Object.hasOwn(ERROR_STATUS, code) ? ERROR_STATUS[code as ErrorCode] : 500;
}

export interface GoatKitErrorOptions {
  /** What to do about it, when there is something to do; the message says it too. */
  fix?: string | undefined;
  cause?: unknown;
}

/** An error the host raises on purpose: a code, a message naming the problem, a status, a fix. */
export class GoatKitError extends Error {
  /** What to do about it; null when the message is all there is to say. */
  readonly fix: string | null;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: GoatKitErrorOptions = {},
  ) {
    super(message, "cause" in options ? { cause: options.cause } : undefined);
    this.name = "GoatKitError";
    this.fix = options.fix ?? null;
  }

  /** The HTTP status the code answers with (ERROR_STATUS). */
  get status(): number {
    return statusOf(this.code);
  }
}

/** A setting of the host (its options, environment variables, server options) that cannot be used. */
export class ConfigError extends GoatKitError {
  constructor(message: string, options: GoatKitErrorOptions = {}) {
    super("E_CONFIG", message, options);
    this.name = "ConfigError";
  }
}

/**
 * The message of anything thrown: an Error's message (for an AggregateError without one, as
 * Node's connection errors are, its first error's; else its code or name), else its text.
 */
export function messageOf(error: unknown): string {
  if (error instanceof AggregateError && !error.message && error.errors.length > 0) return messageOf(error.errors[0]);
  if (error instanceof Error) return error.message || (error as { code?: string }).code || error.name;
  return String(error);
}
