import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { parsePublicKey } from "../packaging/keys.js";
import { ConfigError, type GoatKitErrorOptions } from "../errors.js";

/**
 * The services configuration: a JSON or YAML file, environment variables, or both (the
 * variables override the file). docs/services.md lists every setting.
 */
export interface ServicesConfig {
  database?: DatabaseConfig;
  cache?: CacheConfig;
  mail?: MailConfig;
  /** How much platform history the host keeps in the database (docs/state.md). */
  state?: StateConfig;
  /** How this host joins the hosts sharing the Redis of `cache.url` (docs/cluster.md). */
  cluster?: ClusterConfig;
  /** Whose rights gRPC plugin processes run with (docs/grpc.md, Security). */
  grpc?: GrpcConfig;
  /** Ceilings on what a plugin's manifest may ask for in `limits` (docs/sandbox.md). */
  plugin_limits?: PluginLimitsConfig;
  /** Plugin packages: where they are, and whose signatures they need (docs/packages.md). */
  packages?: PackagesConfig;
  /** When the plugins the host serves are loaded (docs/services.md, "Loading plugins"). */
  plugins?: PluginLoadingConfig;
}

export interface PluginLoadingConfig {
  /** Load every plugin when the host starts (default false: each loads on its first use). */
  eager?: boolean;
  /** Instances per plugin running calls at once: a number or "auto" (default; HostOptions.poolSize). */
  pool_size?: number | "auto";
  /** The ceiling of instances per plugin (default 4). */
  max_pool_size?: number;
}

export interface PluginLimitsConfig {
  /** Default 512. */
  memory_mb?: number;
  /** Default 60000. */
  timeout_ms?: number;
  /** Default 64 MiB. */
  max_request_bytes?: number;
  /** Default 64 MiB. */
  max_result_bytes?: number;
}

export interface PackagesConfig {
  /** A folder of signed `.zip` packages the host serves (read by gk start and runHostProcess). */
  dir?: string;
  /** Load only packages signed by one of `trusted_keys`; plugin folders are refused. */
  require_signatures?: boolean;
  /** Publishers' public keys (compact base64, or PEM). */
  trusted_keys?: string[];
}

export interface GrpcConfig {
  /** `separate-users` (a uid per plugin; the default for a host that can switch users) or `host-user`. */
  run_as?: "separate-users" | "host-user";
  /** First uid of the plugins' range (default 200000). */
  uid_base?: number;
  /** Size of the range (default 100000). */
  uid_count?: number;
}

export interface ClusterConfig {
  /** false runs this host alone although a Redis is configured; true insists on a cluster. */
  enabled?: boolean;
  /** This host's name, unique among the running hosts (default `<hostname>-<pid>`). */
  host_id?: string;
  /** Put before every cluster key and the events channel (default `goatkit:cluster:`). */
  key_prefix?: string;
  lease_ttl_ms?: number;
  heartbeat_ms?: number;
}

export interface StateConfig {
  /** Plugin log lines kept per plugin (default 10000). */
  log_lines_per_plugin?: number;
  /** Log lines older than this many days are removed; 0 for no age limit (default 30). */
  log_max_age_days?: number;
  /** Job runs kept per job (default 1000). */
  runs_per_job?: number;
}

export interface DatabaseConfig {
  /** `postgres://...`, `mysql://...` / `mariadb://...`, or `sqlite:<path>` (`sqlite::memory:`). */
  url: string;
  /** PostgreSQL: the schema to work in. */
  schema?: string;
  /** PostgreSQL, MySQL: connections in the pool (default 10). */
  pool_size?: number;
  /** PostgreSQL, MySQL: longest a plugin statement may run, 0 for none (default 5000). */
  statement_timeout_ms?: number;
  /** Create the demo help desk when its tables are missing. Default: on for SQLite, off otherwise. */
  demo?: boolean | DemoConfig;
}

export interface DemoConfig {
  seed?: number;
  tickets?: number;
  days?: number;
  /** `YYYY-MM-DD`, the last day of data (default today, UTC). */
  anchor_day?: string;
}

export interface CacheConfig {
  /** `redis://[:password@]host:6379[/db]` or `rediss://`. */
  url: string;
  /** Default `goatkit:cache:`. */
  key_prefix?: string;
}

export interface MailConfig {
  /** `smtp://[user:password@]host:port` or `smtps://`; without it mail stays in the dev mailbox. */
  url?: string;
  /** Sender address of plugin email. */
  from?: string;
}

/** Where each setting came from, by dotted path (`database.url`), for messages. */
export type ConfigOrigins = Record<string, string>;

/** A services setting (config file, environment variable) that cannot be used; code E_CONFIG. */
export class ServicesConfigError extends ConfigError {
  constructor(message: string, options?: GoatKitErrorOptions) {
    super(message, options);
    this.name = "ServicesConfigError";
  }
}

/** Every environment variable servicesFromEnv reads, and the setting it fills. */
export const SERVICE_ENV_VARS = {
  GOATKIT_CONFIG: "a JSON or YAML services config file; the variables below override it",
  GOATKIT_DB_URL: "database.url",
  GOATKIT_DB_SCHEMA: "database.schema",
  GOATKIT_DB_POOL_SIZE: "database.pool_size",
  GOATKIT_DB_STATEMENT_TIMEOUT_MS: "database.statement_timeout_ms",
  GOATKIT_DB_DEMO: "database.demo",
  GOATKIT_REDIS_URL: "cache.url",
  GOATKIT_REDIS_KEY_PREFIX: "cache.key_prefix",
  GOATKIT_SMTP_URL: "mail.url",
  GOATKIT_MAIL_FROM: "mail.from",
  GOATKIT_LOG_LINES_PER_PLUGIN: "state.log_lines_per_plugin",
  GOATKIT_LOG_MAX_AGE_DAYS: "state.log_max_age_days",
  GOATKIT_RUNS_PER_JOB: "state.runs_per_job",
  GOATKIT_PACKAGES_DIR: "packages.dir",
  GOATKIT_REQUIRE_SIGNATURES: "packages.require_signatures",
  GOATKIT_TRUSTED_KEYS: "packages.trusted_keys",
  GOATKIT_PLUGINS_EAGER: "plugins.eager",
  GOATKIT_PLUGIN_POOL_SIZE: "plugins.pool_size",
  GOATKIT_PLUGIN_MAX_POOL_SIZE: "plugins.max_pool_size",
  GOATKIT_GRPC_RUN_AS: "grpc.run_as",
  GOATKIT_GRPC_UID_BASE: "grpc.uid_base",
  GOATKIT_GRPC_UID_COUNT: "grpc.uid_count",
} as const;

type Section = keyof ServicesConfig;
type Kind = "string" | "count" | "count_or_auto" | "milliseconds" | "days" | "boolean" | "demo" | "keys" | "run_as";

const FIELDS: Record<Section, Record<string, Kind>> = {
  database: { url: "string", schema: "string", pool_size: "count", statement_timeout_ms: "milliseconds", demo: "demo" },
  cache: { url: "string", key_prefix: "string" },
  mail: { url: "string", from: "string" },
  state: { log_lines_per_plugin: "count", log_max_age_days: "days", runs_per_job: "count" },
  // Read by clusterOptionsFromEnv, whose GOATKIT_CLUSTER* variables override these.
  cluster: { enabled: "boolean", host_id: "string", key_prefix: "string", lease_ttl_ms: "milliseconds", heartbeat_ms: "milliseconds" },
  plugin_limits: { memory_mb: "count", timeout_ms: "count", max_request_bytes: "count", max_result_bytes: "count" },
  packages: { dir: "string", require_signatures: "boolean", trusted_keys: "keys" },
  plugins: { eager: "boolean", pool_size: "count_or_auto", max_pool_size: "count" },
  grpc: { run_as: "run_as", uid_base: "count", uid_count: "count" },
};
const REQUIRED: Partial<Record<Section, string>> = { database: "url", cache: "url" };
const DEMO_FIELDS = ["seed", "tickets", "days", "anchor_day"];

/** Reads a services config file: `.json`, or `.yaml`/`.yml`. */
export async function readServicesConfig(file: string): Promise<{ config: ServicesConfig; origins: ConfigOrigins }> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ServicesConfigError(`cannot read the services config ${file}: ${(error as Error).message}; check the path (GOATKIT_CONFIG)`);
  }
  const ext = extname(file).toLowerCase();
  let value: unknown;
  if (ext === ".json") {
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new ServicesConfigError(`${file} is not valid JSON: ${(error as Error).message}`);
    }
  } else if (ext === ".yaml" || ext === ".yml") {
    value = await parseYaml(text, file);
  } else {
    throw new ServicesConfigError(`the services config ${file} must end in .json, .yaml or .yml`);
  }
  const origins = originsIn(value, (path) => `${path} in ${file}`);
  // The URLs may come from environment variables, so they are not required in a file.
  return { config: parseServicesConfig(value, origins, { partial: true }), origins };
}

/** The configuration from environment variables, over `base` (a file's, usually). */
export function configFromEnv(
  env: Record<string, string | undefined>,
  base: ServicesConfig = {},
  baseOrigins: ConfigOrigins = {},
): { config: ServicesConfig; origins: ConfigOrigins } {
  const merged: Record<string, Record<string, unknown>> = {};
  for (const [section, value] of Object.entries(base)) merged[section] = { ...(value as object) };
  const origins: ConfigOrigins = { ...baseOrigins };
  for (const [name, path] of Object.entries(SERVICE_ENV_VARS)) {
    const raw = env[name];
    if (name === "GOATKIT_CONFIG" || raw === undefined || raw === "") continue;
    const [section, field] = path.split(".") as [Section, string];
    merged[section] ??= {};
    merged[section]![field] = fromEnvText(name, raw, FIELDS[section][field]!);
    origins[path] = name;
  }
  return { config: parseServicesConfig(merged, origins), origins };
}

/**
 * Checks a services config (from a file, JSON, or code), naming each wrong setting, where it
 * came from, and the fix.
 */
export function parseServicesConfig(value: unknown, origins: ConfigOrigins = {}, options: { partial?: boolean } = {}): ServicesConfig {
  const where = (path: string) => origins[path] ?? `${path} in the services config`;
  if (!isRecord(value)) throw new ServicesConfigError(`the services config must be an object with ${Object.keys(FIELDS).join(", ")}`);
  if (!isRecord(value)) throw new ServicesConfigError("the services config must be an object with database, cache, mail, state, cluster and/or grpc");
  for (const key of Object.keys(value)) {
    if (!(key in FIELDS)) throw new ServicesConfigError(`unknown setting "${key}" (${where(key)}); the settings are ${Object.keys(FIELDS).join(", ")}`);
  }
  const config: ServicesConfig = {};
  for (const section of Object.keys(FIELDS) as Section[]) {
    const raw = value[section];
    if (raw === undefined || raw === null) continue;
    if (!isRecord(raw)) throw new ServicesConfigError(`${where(section)} must be an object with ${Object.keys(FIELDS[section]).join(", ")}`);
    const out: Record<string, unknown> = {};
    for (const [field, v] of Object.entries(raw)) {
      const kind = FIELDS[section][field];
      const path = `${section}.${field}`;
      if (kind === undefined) {
        throw new ServicesConfigError(`unknown setting "${path}" (${where(path)}); ${section} takes ${Object.keys(FIELDS[section]).join(", ")}`);
      }
      if (v !== undefined && v !== null) out[field] = checkValue(v, kind, where(path));
    }
    const required = REQUIRED[section];
    if (required && out[required] === undefined && !options.partial) {
      const variable = Object.entries(SERVICE_ENV_VARS).find(([, p]) => p === `${section}.${required}`)?.[0];
      throw new ServicesConfigError(`${section}.${required} is missing while other ${section} settings are given; set ${variable} or ${section}.${required} in the config file`);
    }
    (config as Record<string, unknown>)[section] = out;
  }
  const packages = config.packages;
  if (packages?.require_signatures && !packages.trusted_keys?.length) {
    throw new ServicesConfigError(`packages.require_signatures is true (${where("packages.require_signatures")}) but packages.trusted_keys names no key, so no package could load; add the publishers' public keys to packages.trusted_keys (gk plugin keygen prints them)`);
  }
  return config;
}

function checkValue(value: unknown, kind: Kind, where: string): unknown {
  switch (kind) {
    case "string":
      if (typeof value !== "string" || value === "") throw new ServicesConfigError(`${where} must be a non-empty string`);
      return value;
    case "count":
      if (!Number.isInteger(value) || (value as number) < 1) throw new ServicesConfigError(`${where} must be a whole number of 1 or more, got ${JSON.stringify(value)}`);
      return value;
    case "count_or_auto":
      if (value !== "auto" && (!Number.isInteger(value) || (value as number) < 1)) throw new ServicesConfigError(`${where} must be "auto" or a whole number of 1 or more, got ${JSON.stringify(value)}`);
      return value;
    case "milliseconds":
      if (!Number.isInteger(value) || (value as number) < 0) throw new ServicesConfigError(`${where} must be a whole number of milliseconds (0 for no limit), got ${JSON.stringify(value)}`);
      return value;
    case "days":
      if (!Number.isInteger(value) || (value as number) < 0) throw new ServicesConfigError(`${where} must be a whole number of days (0 for no limit), got ${JSON.stringify(value)}`);
      return value;
    case "boolean":
      if (typeof value !== "boolean") throw new ServicesConfigError(`${where} must be true or false, got ${JSON.stringify(value)}`);
      return value;
    case "keys":
      if (!Array.isArray(value) || value.some((key) => typeof key !== "string" || key.trim() === "")) throw new ServicesConfigError(`${where} must be a list of public keys (compact base64 or PEM), got ${JSON.stringify(value)}`);
      value.forEach((key: string, i) => {
        try {
          parsePublicKey(key);
        } catch (error) {
          throw new ServicesConfigError(`${where}, entry ${i + 1}, is not a public key: ${(error as Error).message}`);
        }
      });
      return value;
    case "run_as":
      if (value !== "separate-users" && value !== "host-user") throw new ServicesConfigError(`${where} must be "separate-users" or "host-user", got ${JSON.stringify(value)}`);
      return value;
    case "demo":
      if (typeof value === "boolean") return value;
      if (!isRecord(value)) throw new ServicesConfigError(`${where} must be true, false or an object with ${DEMO_FIELDS.join(", ")}`);
      for (const [k, v] of Object.entries(value)) {
        if (!DEMO_FIELDS.includes(k)) throw new ServicesConfigError(`${where} has unknown field "${k}"; it takes ${DEMO_FIELDS.join(", ")}`);
        const ok = k === "anchor_day" ? typeof v === "string" && /^\d{4}-\d\d-\d\d$/.test(v) : Number.isInteger(v) && (v as number) >= (k === "seed" ? 0 : 1);
        if (!ok) throw new ServicesConfigError(`${where}.${k} must be ${k === "anchor_day" ? "a YYYY-MM-DD date" : "a whole number"}, got ${JSON.stringify(v)}`);
      }
      return value;
  }
}

function fromEnvText(name: string, raw: string, kind: Kind): unknown {
  switch (kind) {
    case "string":
    case "run_as":
      return raw;
    case "count_or_auto":
      if (raw.trim() === "auto") return "auto";
      if (!/^\d+$/.test(raw.trim())) throw new ServicesConfigError(`${name} must be "auto" or a whole number, got "${raw}"`);
      return Number(raw.trim());
    case "keys":
      return raw.split(",").map((key) => key.trim()).filter(Boolean);
    case "count":
    case "milliseconds":
    case "days":
      if (!/^\d+$/.test(raw.trim())) throw new ServicesConfigError(`${name} must be a whole number, got "${raw}"`);
      return Number(raw.trim());
    case "boolean":
    case "demo": {
      const text = raw.trim().toLowerCase();
      if (["1", "true", "yes", "on"].includes(text)) return true;
      if (["0", "false", "no", "off"].includes(text)) return false;
      throw new ServicesConfigError(`${name} must be true or false, got "${raw}"`);
    }
  }
}

function originsIn(value: unknown, label: (path: string) => string): ConfigOrigins {
  const origins: ConfigOrigins = {};
  if (!isRecord(value)) return origins;
  for (const [section, fields] of Object.entries(value)) {
    origins[section] = label(section);
    if (isRecord(fields)) for (const field of Object.keys(fields)) origins[`${section}.${field}`] = label(`${section}.${field}`);
  }
  return origins;
}

// Named in a variable so the import stays optional: the `yaml` package is only needed for YAML configs.
const YAML_PACKAGE = "yaml";

async function parseYaml(text: string, file: string): Promise<unknown> {
  let yaml: { parse(source: string): unknown };
  try {
    yaml = (await import(YAML_PACKAGE)) as typeof yaml;
  } catch {
    throw new ServicesConfigError(`reading ${file} needs the "yaml" package; install it beside @goatkit/host (npm install yaml) or write the config as JSON`);
  }
  try {
    return yaml.parse(text);
  } catch (error) {
    throw new ServicesConfigError(`${file} is not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
