/**
 * Structural validation: Ajv, compiled from the TypeBox schemas, and the translation of its
 * errors into issues that name the field and the fix. Field descriptions and examples come
 * from the schema, so a new field gets sensible messages without touching this file.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { TSchema } from "@sinclair/typebox";
import { handlerNameProblem } from "./handlers.js";
import { childPath, errorAt, type ManifestIssue } from "./issues.js";
import {
  ALLOWED_HOST_PATTERN,
  HANDLER_PATTERN,
  KEBAB_ID_PATTERN,
  LOCAL_PATH_PATTERN,
  MIGRATION_ID_PATTERN,
  PLUGIN_NAME_PATTERN,
  SEMVER_PATTERN,
} from "./schema.js";
import { closest, quotedList } from "./suggest.js";

const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false, allowUnionTypes: true });
const compiled = new WeakMap<TSchema, ValidateFunction>();

/** Validates `input` against a schema and returns friendly issues (empty when it conforms). */
export function structuralIssues(schema: TSchema, input: unknown): ManifestIssue[] {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(input)) return [];
  const errors = relevantErrors(validate.errors ?? []);
  const seen = new Set<string>();
  const issues: ManifestIssue[] = [];
  for (const e of errors) {
    const issue = translate(e, input);
    const key = `${issue.path}\n${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

/** Drops the noise: errors from `anyOf` branches the value plainly was not meant for, and follow-ups of type errors. */
function relevantErrors(errors: ErrorObject[]): ErrorObject[] {
  const unions = errors
    .filter((e) => e.keyword === "anyOf")
    .map((e) => ({ error: e, chosen: (e.schema as TSchema[]).findIndex((branch) => typeMatches(branch, e.data)) }));
  const typeErrorAt = new Set(errors.filter((e) => e.keyword === "type").map((e) => e.instancePath));
  return errors.filter((e) => {
    if (e.keyword !== "type" && typeErrorAt.has(e.instancePath) && e.keyword !== "anyOf") {
      // A value of the wrong type also fails its enum/pattern; the type error says it all.
      const union = unions.find((u) => e.schemaPath.startsWith(`${u.error.schemaPath}/`) && u.error.instancePath === e.instancePath);
      if (!union) return false;
    }
    for (const u of unions) {
      if (e === u.error) return u.chosen < 0;
      const under = e.schemaPath.startsWith(`${u.error.schemaPath}/`) && (e.instancePath === u.error.instancePath || e.instancePath.startsWith(`${u.error.instancePath}/`));
      if (!under) continue;
      const branch = Number(e.schemaPath.slice(u.error.schemaPath.length + 1).split("/")[0]);
      if (branch !== u.chosen) return false;
    }
    return true;
  });
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function typeMatches(schema: TSchema, value: unknown): boolean {
  const declared = schema["type"] as string | string[] | undefined;
  if (declared === undefined) return false;
  const actual = jsonType(value);
  const types = Array.isArray(declared) ? declared : [declared];
  return types.includes(actual) || (actual === "integer" && types.includes("number"));
}

/** `/routes/2/handler` → `routes[2].handler`, using the data to tell indexes from keys. */
function toPath(pointer: string, root: unknown): string {
  let path = "";
  let node = root;
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node)) {
      path = childPath(path, Number(key));
      node = node[Number(key)];
    } else {
      path = childPath(path, key);
      node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return path;
}

/** The last field name of a path with its index, e.g. `handler`, `middleware[0]`, `permissions[1]`. */
export function fieldLabel(path: string): string {
  const m = /(?:^|\.)((?:[^.[\]]+|\["[^"]*"\])(?:\[\d+\])*)$/.exec(path);
  return m?.[1] ?? (path || "the manifest");
}

function describe(value: unknown): string {
  switch (jsonType(value)) {
    case "null":
      return "null";
    case "array":
      return "a list";
    case "object":
      return "an object";
    case "string":
      return `the string ${JSON.stringify(value)}`;
    case "boolean":
      return String(value);
    default:
      return `the number ${String(value)}`;
  }
}

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  number: "a number",
  integer: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "an object",
  null: "null",
};

function typeName(type: unknown): string {
  const types = Array.isArray(type) ? type : [type];
  return types.map((t) => TYPE_NAMES[String(t)] ?? String(t)).join(" or ");
}

function about(schema: TSchema | undefined): string {
  const description = schema?.["description"];
  return typeof description === "string" ? ` (${description})` : "";
}

function example(schema: TSchema | undefined): unknown {
  const examples = schema?.["examples"];
  return Array.isArray(examples) ? examples[0] : undefined;
}

function exampleValue(schema: TSchema | undefined): string {
  const value = example(schema);
  if (value !== undefined) return JSON.stringify(value);
  switch (schema?.["type"]) {
    case "object":
      return "{ ... }";
    case "array":
      return "[ ... ]";
    default:
      return "...";
  }
}

function translate(e: ErrorObject, root: unknown): ManifestIssue {
  const path = toPath(e.instancePath, root);
  const label = fieldLabel(path);
  const schema = e.parentSchema as TSchema | undefined;
  const value: unknown = e.data;
  switch (e.keyword) {
    case "required": {
      const missing = String((e.params as { missingProperty: string }).missingProperty);
      const field = (schema?.["properties"] as Record<string, TSchema> | undefined)?.[missing];
      const at = childPath(path, missing);
      return errorAt(at, `${path ? `${label} is missing ` : "missing "}required field "${missing}"${about(field)}`, `add "${missing}": ${exampleValue(field)}`);
    }
    case "additionalProperties": {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const at = childPath(path, key);
      if (schema?.["patternProperties"]) {
        const suggestion = key.toLowerCase().replace(/[^a-z0-9_]+/g, "_").replace(/^[^a-z]+/, "") || "setting";
        return errorAt(at, `${label} key "${key}" is not a valid name`, `use lower-case letters, digits and _, starting with a letter, e.g. "${suggestion}"`);
      }
      const allowed = Object.keys((schema?.["properties"] as Record<string, unknown> | undefined) ?? {});
      const present = value !== null && typeof value === "object" ? Object.keys(value) : [];
      const suggestion = closest(key, allowed.filter((k) => !present.includes(k)));
      return errorAt(
        at,
        `unknown field "${key}"${path ? ` in ${path}` : ""}`,
        suggestion ? `did you mean "${suggestion}"? Rename "${key}" to "${suggestion}"` : `remove "${key}"; the fields allowed here are ${allowed.join(", ")}`,
      );
    }
    case "type": {
      const expected = (e.params as { type: unknown }).type;
      if (path === "version" && typeof value === "number") {
        return errorAt(path, `version must be a string, got the number ${value}`, `quote it and use three parts: "version": "${semverFrom(String(value))}"`);
      }
      return errorAt(path, `${label} must be ${typeName(expected)}${about(schema)}, got ${describe(value)}`, `write ${typeName(expected)}, e.g. ${exampleValue(schema)}`);
    }
    case "enum": {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
      if (typeof value === "string") {
        const upper = allowed.find((a) => typeof a === "string" && a === value.toUpperCase());
        if (upper) return errorAt(path, `${label} "${value}" must be upper case`, `use upper case: "${String(upper)}"`);
        const lower = allowed.find((a) => typeof a === "string" && a === value.toLowerCase());
        if (lower) return errorAt(path, `${label} "${value}" must be lower case`, `use lower case: "${String(lower)}"`);
      }
      const suggestion = typeof value === "string" ? closest(value, allowed.map(String)) : undefined;
      return errorAt(
        path,
        `${label} ${JSON.stringify(value)} is not one of ${quotedList(allowed)}`,
        suggestion ? `did you mean "${suggestion}"? Use one of ${quotedList(allowed)}` : `use one of ${quotedList(allowed)}`,
      );
    }
    case "pattern":
      return patternIssue(path, label, String(value), String((e.params as { pattern: string }).pattern), schema);
    case "minLength":
      return errorAt(path, `${label} must not be empty${about(schema)}`, `write a value, e.g. ${exampleValue(schema)}`);
    case "minItems": {
      const limit = (e.params as { limit: number }).limit;
      return errorAt(path, `${label} must list at least ${limit} value${limit === 1 ? "" : "s"}`, `add values or remove "${label}"`);
    }
    case "minProperties":
      return errorAt(path, `${label} is an empty object${about(schema)}`, `add at least one field, or remove "${label}"`);
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum": {
      const min = schema?.["minimum"] as number | undefined;
      const max = schema?.["maximum"] as number | undefined;
      const range = min !== undefined && max !== undefined ? `between ${min} and ${max}` : min !== undefined ? `at least ${min}` : `at most ${String(max)}`;
      return errorAt(path, `${label} is ${String(value)} but must be ${range}${about(schema)}`, `use a value ${range}`);
    }
    case "anyOf":
      return errorAt(path, `${label} is ${describe(value)}, but must be ${String(schema?.["description"] ?? "another kind of value")}`, `write ${String(schema?.["description"] ?? "a valid value")}`);
    default:
      return errorAt(path, `${label} ${e.message ?? "is invalid"}${about(schema)}`, `see docs/manifest.md for the allowed values, e.g. ${exampleValue(schema)}`);
  }
}

function patternIssue(path: string, label: string, value: string, pattern: string, schema: TSchema | undefined): ManifestIssue {
  switch (pattern) {
    case PLUGIN_NAME_PATTERN: {
      const reason =
        value.length < 2 ? "is shorter than 2 characters"
        : value.length > 63 ? "is longer than 63 characters"
        : /[A-Z]/.test(value) ? "has upper-case letters"
        : !/^[a-z]/.test(value) ? "does not start with a letter"
        : `contains ${quotedList([...new Set(value.replace(/[a-z0-9-]/g, ""))])}`;
      const suggestion = value.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^[^a-z]+/, "").replace(/-{2,}/g, "-").slice(0, 63);
      return errorAt(path, `name "${value}" is not a valid plugin name: it ${reason}`, `use 2-63 lower-case letters, digits and "-", starting with a letter, e.g. "${suggestion.length >= 2 ? suggestion : "my-plugin"}"`);
    }
    case SEMVER_PATTERN:
      return errorAt(path, `version "${value}" is not a semantic version (MAJOR.MINOR.PATCH)`, `write "${semverFrom(value)}"`);
    case HANDLER_PATTERN: {
      const problem = handlerNameProblem(value, label);
      if (problem) return errorAt(path, problem.message, problem.fix);
      break;
    }
    case KEBAB_ID_PATTERN: {
      const kebab = value.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^[^a-z]+|-+$/g, "") || "my-id";
      return errorAt(path, `${label} "${value}" is not kebab-case or snake_case`, `use lower-case letters, digits and single "-" or "_", starting with a letter, e.g. "${kebab}"`);
    }
    case ALLOWED_HOST_PATTERN:
      return hostIssue(path, label, value);
    case MIGRATION_ID_PATTERN: {
      const tail = value.toLowerCase().replace(/^[0-9]+_?/, "").replace(/[^a-z0-9_]+/g, "_").replace(/^_+|_+$/g, "") || "migration";
      const number = /^[0-9]+/.exec(value)?.[0] ?? "001";
      return errorAt(path, `${label} "${value}" must be a number, "_" and a lower-case description`, `write e.g. "${number}_${tail}"`);
    }
    case "^/":
      return errorAt(path, `${label} "${value}" must start with "/"`, `write "/${value}"`);
    case LOCAL_PATH_PATTERN: {
      // Browsers drop tabs and line breaks from an address before reading it: judge the path
      // they open, and refuse control characters outright.
      if (/[\u0000-\u001F\u007F]/.test(value)) {
        const opened = value.trim().replace(/[\t\n\r]/g, "");
        const clean = opened.replace(/[\u0000-\u001F\u007F]/g, "");
        const offsite = /^[/\\]{2}/.test(opened) ? `; browsers drop tabs and line breaks from addresses, so it opens ${JSON.stringify(opened)}, another site` : "";
        return errorAt(path, `${label} ${JSON.stringify(value)} has control characters (tab, line break or other), which no page path needs${offsite}`, `write "/${clean.replace(/^[/\\]+/, "")}"`);
      }
      if (!value.startsWith("/")) return errorAt(path, `${label} "${value}" must start with "/"`, `write "/${value}"`);
      return errorAt(path, `${label} "${value}" is not a page of this host: browsers read a leading "//" or "/\\" as another site's address`, `write "/${value.replace(/^[/\\]+/, "")}"`);
    }
  }
  return errorAt(path, `${label} "${value}" is not in the expected form${about(schema)}`, `write e.g. ${exampleValue(schema)}`);
}

/** A best guess at the semantic version someone meant ("v1.2" → "1.2.0"). */
function semverFrom(value: string): string {
  const numbers = value.replace(/^v/i, "").split(/[^0-9]+/).filter((n) => n !== "").map((n) => String(Number(n)));
  while (numbers.length < 3) numbers.push("0");
  return numbers.slice(0, 3).join(".");
}

function hostIssue(path: string, label: string, value: string): ManifestIssue {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : value.includes("/") ? `http://${value}` : undefined;
  if (withScheme) {
    try {
      const host = new URL(withScheme).host;
      if (host) return errorAt(path, `${label} "${value}" is a URL, not a host`, `write the host only: ${host}`);
    } catch {
      // not a URL either: fall through to the generic message
    }
  }
  if (value.includes("*") && !/^\*\.[^*]+$/.test(value)) {
    return errorAt(path, `${label} "${value}" has a wildcard that is not a leading "*."`, `use "*." only at the start, e.g. "*.example.com"`);
  }
  return errorAt(path, `${label} "${value}" is not a valid host name`, `write a host such as "api.example.com", "*.example.com" or "localhost:8080"`);
}
