/** A request body holding a definition: JSON, or BPMN 2.0 XML (a body that starts with `<`). */
import { PluginError } from "@goatkit/sdk/guest";
import { importBpmn } from "../bpmn/bpmn-import.js";
import { parseDefinition, type Definition } from "../model/definition.js";

export function definitionFromBody(body: string): Definition {
  const text = body.trim();
  if (text.startsWith("<")) return parseDefinition(importBpmn(text));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PluginError(`the body must be a process definition as JSON or BPMN 2.0 XML; the JSON does not parse: ${(error as Error).message}`, 400, "BAD_REQUEST");
  }
  return parseDefinition(value);
}
