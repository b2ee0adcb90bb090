/** Codes of template errors: the template is wrong, not a plugin call that failed. */
export type TemplateErrorCode = "E_TEMPLATE" | "E_TEMPLATE_NOT_FOUND" | "E_TEMPLATE_SYNTAX";

/**
 * A template that cannot be rendered: a syntax error, an unknown template or plugin, a call to a
 * function the used plugins do not declare, arguments that do not match the declaration. The
 * message names the template, the line and the fix.
 */
export class TemplateError extends Error {
  override readonly name = "TemplateError";
  readonly status: number;

  constructor(
    readonly code: TemplateErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.status = code === "E_TEMPLATE_NOT_FOUND" ? 404 : 500;
  }
}

/** `template "x.html" line 3: `, the prefix every template error message starts with. */
export function where(template: string, line: number | null): string {
  return line === null ? `template "${template}": ` : `template "${template}" line ${line}: `;
}
