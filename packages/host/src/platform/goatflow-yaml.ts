import { goDurationMs, GOATFLOW_DEFAULT_PERMISSIONS } from "@goatkit/sdk";
import { parse as parseYaml } from "yaml";

/**
 * GoatFlow's `plugin.yaml` (its `PluginManifest`, docs/goatflow.md): `name`, `version`,
 * `runtime` (`wasm` or `grpc`), `binary` or `wasm`, `description`, `author`, `license`,
 * `homepage` and `resources`.
 */
export interface GoatflowYaml {
  name: string;
  version?: string;
  runtime: string;
  /** The module or executable, relative to the folder. */
  file: string;
  description?: string;
  author?: string;
  license?: string;
  homepage?: string;
  resources: GoatflowResources;
}

/** What `resources` asks for, in our terms. */
export interface GoatflowResources {
  /** Our grants, or null when `permissions` declares none (GoatFlow's default then applies). */
  permissions: string[] | null;
  allowedHosts: string[];
  limits: { memory_mb?: number; timeout_ms?: number };
}

export class GoatflowYamlError extends Error {}

const PLUGIN_NAME = /^[a-z0-9][a-z0-9_-]*$/;
const TABLE = /^[a-z_][a-z0-9_]*$/;

/** Reads a plugin.yaml's text; throws GoatflowYamlError naming the field and the fix. */
export function parseGoatflowYaml(text: string, file: string): GoatflowYaml {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new GoatflowYamlError(`${file} is not valid YAML: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new GoatflowYamlError(`${file} must be a mapping with name, version, runtime and binary`);
  const doc = value as Record<string, unknown>;
  const text_ = (key: string): string | undefined => {
    const v = doc[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string" && typeof v !== "number") throw new GoatflowYamlError(`${file}: ${key} must be a string`);
    return String(v);
  };
  const name = text_("name");
  if (!name) throw new GoatflowYamlError(`${file} has no name; add "name: <plugin name>"`);
  const runtime = text_("runtime") ?? "wasm";
  const file_ = text_("wasm") ?? text_("binary") ?? `${name}.wasm`;
  const resources = goatflowResources(doc.resources, file);
  const out: GoatflowYaml = { name, runtime, file: file_, resources };
  for (const key of ["version", "description", "author", "license", "homepage"] as const) {
    const v = text_(key);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/**
 * `resources` onto our grants and limits. Each `{type, access, scope}` permission becomes the
 * grant that allows the same host functions; a scope this host cannot enforce, or a type it does
 * not know, is refused (never widened silently).
 */
export function goatflowResources(value: unknown, file: string): GoatflowResources {
  const out: GoatflowResources = { permissions: null, allowedHosts: [], limits: {} };
  if (value === undefined || value === null) return out;
  if (typeof value !== "object" || Array.isArray(value)) throw new GoatflowYamlError(`${file}: resources must be a mapping (memory_mb, call_timeout, permissions)`);
  const r = value as Record<string, unknown>;
  if (r.memory_mb !== undefined && r.memory_mb !== 0) {
    if (typeof r.memory_mb !== "number" || !Number.isInteger(r.memory_mb) || r.memory_mb < 1) throw new GoatflowYamlError(`${file}: resources.memory_mb must be a whole number of MiB, got ${JSON.stringify(r.memory_mb)}`);
    out.limits.memory_mb = r.memory_mb;
  }
  if (r.call_timeout !== undefined && r.call_timeout !== "") {
    const ms = typeof r.call_timeout === "string" ? goDurationMs(r.call_timeout) : null;
    if (ms === null || ms < 1) throw new GoatflowYamlError(`${file}: resources.call_timeout must be a duration such as "30s" or "500ms", got ${JSON.stringify(r.call_timeout)}`);
    out.limits.timeout_ms = ms;
  }
  if (r.permissions === undefined || r.permissions === null) return out;
  if (!Array.isArray(r.permissions)) throw new GoatflowYamlError(`${file}: resources.permissions must be a list of {type, access, scope}`);
  if (r.permissions.length === 0) return out;
  const grants = new Set<string>();
  r.permissions.forEach((entry: unknown, i: number) => {
    const at = `${file}: resources.permissions[${i}]`;
    if (entry === null || typeof entry !== "object") throw new GoatflowYamlError(`${at} must be a mapping {type, access, scope}`);
    const { type, access = "read", scope = [] } = entry as { type?: unknown; access?: unknown; scope?: unknown };
    if (!Array.isArray(scope) || !scope.every((s) => typeof s === "string")) throw new GoatflowYamlError(`${at}: scope must be a list of strings`);
    if (access !== "read" && access !== "write" && access !== "readwrite") throw new GoatflowYamlError(`${at}: access ${JSON.stringify(access)} is not read, write or readwrite`);
    const reads = access !== "write";
    const writes = access !== "read";
    const refuse = (why: string): never => {
      throw new GoatflowYamlError(`${at} (${String(type)} ${access}${scope.length ? ` ${JSON.stringify(scope)}` : ""}) is refused: ${why}`);
    };
    switch (type) {
      case "db":
        if (reads) {
          if (scope.length > 0 && !writes) refuse(`a table scope on reads cannot be enforced by this host (db:read reads every core table); remove the scope to grant db:read`);
          grants.add("db:read");
        }
        if (writes) {
          if (scope.length === 0) grants.add("db:write");
          for (const table of scope as string[]) {
            if (!TABLE.test(table)) refuse(`"${table}" is not a table name (patterns are not supported); name each table, lower case`);
            grants.add(`db:write:${table}`);
          }
        }
        break;
      case "cache":
        // Keys are kept apart per plugin here; a key prefix adds nothing to enforce.
        if (reads) grants.add("cache:read");
        if (writes) grants.add("cache:write");
        break;
      case "http":
        grants.add("http:external");
        out.allowedHosts.push(...(scope as string[]));
        break;
      case "email":
        if (scope.length > 0) refuse(`recipient domain scopes cannot be enforced by this host; remove the scope to let the plugin email any address`);
        grants.add("email:send");
        break;
      case "config":
        // config_get reads the plugin's own configuration, which needs no grant here.
        break;
      case "plugin_call":
        if (scope.length === 0) refuse(`name the plugins it may call in scope, e.g. ["stats"]`);
        for (const target of scope as string[]) {
          if (!PLUGIN_NAME.test(target)) refuse(`"${target}" is not a plugin name (patterns are not supported)`);
          grants.add(`plugin:call:${target}`);
        }
        break;
      default:
        refuse(`this host knows the permission types db, cache, http, email, config and plugin_call`);
    }
  });
  out.permissions = [...grants];
  return out;
}

/** The grants of a plugin whose plugin.yaml declares no permissions: GoatFlow's default policy. */
export function defaultGoatflowGrants(): string[] {
  return [...GOATFLOW_DEFAULT_PERMISSIONS];
}
