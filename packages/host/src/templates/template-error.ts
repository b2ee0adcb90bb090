import { GoatKitError, type GoatKitErrorOptions } from "../errors.js";

/** Codes of template errors: the template is wrong, not a plugin call that failed. */
export type TemplateErrorCode = "E_TEMPLATE" | "E_TEMPLATE_NOT_FOUND" | "E_TEMPLATE_SYNTAX";

/**
 * A template that cannot be rendered: a syntax error, an unknown template or plugin, a call to a
 * function the used plugins do not declare, arguments that do not match the declaration. The
 * message names the template, the line and the fix.
 */
export class TemplateError extends GoatKitError {
  declare readonly code: TemplateErrorCode;

  constructor(code: TemplateErrorCode, message: string, options?: GoatKitErrorOptions) {
    super(code, message, options);
    this.name = "TemplateError";
  }
}

/** `template "x.html" line 3: `, the prefix every template error message starts with. */
export function where(template: string, line: number | null): string {
  return line === null ? `template "${template}": ` : `template "${template}" line ${line}: `;
}
