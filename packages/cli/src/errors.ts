/**
 * Exit codes of `gk` (docs/cli.md): 0 success, 1 the plugin or check failed, 2 usage error,
 * 70 an unexpected internal error.
 */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, INTERNAL: 70 } as const;

/** An error the CLI expects: printed as its message alone, exiting with its code. */
export class GkError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.FAILED,
  ) {
    super(message);
    this.name = "GkError";
  }
}
