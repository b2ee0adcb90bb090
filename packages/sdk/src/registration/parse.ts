import { ManifestError } from "../manifest/issues.js";
import { parseJsonText } from "../manifest/parse.js";
import { structuralIssues } from "../manifest/structure.js";
import { inDocumentOrder } from "../manifest/validate.js";
import { RegistrationSchema, type Registration } from "./schema.js";

/** Parses the JSON `gk_register` returned; throws ManifestError (code E_REGISTRATION_INVALID) naming every problem. */
export function parseRegistration(text: string): Registration {
  const parsed = parseJsonText(text, "the gk_register result");
  if (!parsed.ok) throw new ManifestError(parsed.issues, { file: "gk_register", code: "E_REGISTRATION_INVALID" });
  const value = parsed.value;
  const shape = value === null || typeof value !== "object" || Array.isArray(value);
  const issues = shape ? structuralIssues(RegistrationSchema, value) : inDocumentOrder(structuralIssues(RegistrationSchema, value), value as Record<string, unknown>);
  if (issues.length > 0) {
    throw new ManifestError(
      shape ? [{ path: "", message: `gk_register must return a JSON object, got ${Array.isArray(value) ? "a list" : JSON.stringify(value)}`, fix: `return {"name": "<plugin name>", "version": "<version>", ...}`, severity: "error" }] : issues,
      { file: "gk_register", code: "E_REGISTRATION_INVALID" },
    );
  }
  return parsed.value as Registration;
}
