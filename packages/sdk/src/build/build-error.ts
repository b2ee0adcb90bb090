/** Codes of the failures buildPlugin reports; each message names the problem and the fix. */
export type BuildErrorCode =
  | "E_BINDING"
  | "E_ENTRY_NOT_FOUND"
  | "E_BUNDLE"
  | "E_TYPE"
  | "E_PLUGIN_DEFINITION"
  | "E_HANDLERS"
  | "E_COMPONENTIZE_MISSING"
  | "E_COMPONENTIZE"
  | "E_EXTISM_JS_MISSING"
  | "E_EXTISM_JS"
  | "E_TARGET"
  | "E_WIZER_MISSING"
  | "E_GOATFLOW"
  | "E_BINDING";

/** A plugin build failed. */
export class BuildError extends Error {
  constructor(
    readonly code: BuildErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "BuildError";
  }
}
