import type { HostOptions } from "../host.js";
import type { DemoDataOptions } from "./database/demo-data.js";
import { MysqlDatabase } from "./mysql/mysql-database.js";
import { PostgresDatabase } from "./postgres/postgres-database.js";
import { RedisCache } from "./redis/redis-cache.js";
import { SmtpMail } from "./smtp/smtp-mail.js";
import type { CacheService, DatabaseService, MailService } from "./types.js";
import {
  ServicesConfigError,
  configFromEnv,
  parseServicesConfig,
  readServicesConfig,
  type ConfigOrigins,
  type DatabaseConfig,
  type DemoConfig,
  type ServicesConfig,
} from "./config.js";
import { redactUrl } from "./connection-error.js";

/** The HostOptions that configuration fills; spread them into createHost. */
export type ConfiguredServices = Pick<HostOptions, "database" | "cache" | "mail" | "mailFrom" | "platformState" | "limitCeilings" | "requireSignatures" | "grpc" | "poolSize" | "maxPoolSize">;

interface DemoSeeding {
  hasDemoSchema(): Promise<boolean>;
  seedDemo(options: DemoDataOptions): Promise<void>;
}

/**
 * Opens the services a configuration names and checks that each answers, so a wrong URL fails
 * at start-up with a message that names it. Settings left out keep the host's embedded defaults.
 *
 * @example
 * const host = await createHost({ ...(await servicesFromConfig({ database: { url: "postgres://goatkit@db/goatflow" } })) });
 */
export async function servicesFromConfig(config: ServicesConfig, origins: ConfigOrigins = {}): Promise<ConfiguredServices> {
  const checked = parseServicesConfig(config, origins);
  const where = (path: string) => origins[path] ?? `${path} in the services config`;
  const opened: { close(): unknown }[] = [];
  try {
    const services: ConfiguredServices = {};
    if (checked.database) {
      services.database = await openDatabase(checked.database, where);
      if ("close" in services.database) opened.push(services.database);
    }
    if (checked.cache) {
      const cache: CacheService = await openCache(checked.cache.url, checked.cache.key_prefix, where("cache.url"));
      opened.push(cache);
      services.cache = cache;
    }
    if (checked.mail?.url) {
      const mail: MailService = await openMail(checked.mail.url, where("mail.url"));
      opened.push(mail);
      services.mail = mail;
    }
    if (checked.mail?.from) services.mailFrom = checked.mail.from;
    if (checked.state) {
      const { log_lines_per_plugin, log_max_age_days, runs_per_job } = checked.state;
      services.platformState = {
        ...(log_lines_per_plugin !== undefined ? { logLinesPerPlugin: log_lines_per_plugin } : {}),
        ...(log_max_age_days !== undefined ? { logMaxAgeDays: log_max_age_days } : {}),
        ...(runs_per_job !== undefined ? { runsPerJob: runs_per_job } : {}),
      };
    }
    if (checked.plugin_limits) services.limitCeilings = { ...checked.plugin_limits };
    if (checked.plugins?.pool_size !== undefined) services.poolSize = checked.plugins.pool_size;
    if (checked.plugins?.max_pool_size !== undefined) services.maxPoolSize = checked.plugins.max_pool_size;
    if (checked.packages?.require_signatures) services.requireSignatures = { trustedKeys: checked.packages.trusted_keys ?? [] };
    if (checked.grpc) {
      const { run_as, uid_base, uid_count } = checked.grpc;
      services.grpc = { ...(run_as ? { runAs: run_as } : {}), ...(uid_base !== undefined ? { uidBase: uid_base } : {}), ...(uid_count !== undefined ? { uidCount: uid_count } : {}) };
    }
    return services;
  } catch (error) {
    await Promise.all(opened.map(async (service) => service.close()));
    throw error;
  }
}

/**
 * servicesFromConfig for the environment: `GOATKIT_CONFIG` names a JSON/YAML file, and the
 * `GOATKIT_DB_URL`, `GOATKIT_REDIS_URL`, `GOATKIT_SMTP_URL`, `GOATKIT_MAIL_FROM` (...) variables
 * override it. With none set it returns `{}`: the embedded defaults.
 *
 * @example
 * // GOATKIT_DB_URL=postgres://goatkit@db/goatflow GOATKIT_REDIS_URL=redis://cache:6379
 * const host = await createHost({ ...(await servicesFromEnv()) });
 */
export async function servicesFromEnv(env: Record<string, string | undefined> = process.env): Promise<ConfiguredServices> {
  const { config, origins } = await hostConfigFromEnv(env);
  return servicesFromConfig(config, origins);
}

/** The configuration of `GOATKIT_CONFIG` with the `GOATKIT_*` variables over it, checked. */
export async function hostConfigFromEnv(env: Record<string, string | undefined> = process.env): Promise<{ config: ServicesConfig; origins: ConfigOrigins }> {
  const file = env.GOATKIT_CONFIG ? await readServicesConfig(env.GOATKIT_CONFIG) : { config: {}, origins: {} };
  return configFromEnv(env, file.config, file.origins);
}

async function openDatabase(config: DatabaseConfig, where: (path: string) => string): Promise<NonNullable<HostOptions["database"]>> {
  const origin = where("database.url");
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(config.url)?.[1]?.toLowerCase();
  const demo = config.demo === undefined || config.demo === false ? config.demo : demoOptions(config.demo);
  const server = { url: config.url, origin, poolSize: config.pool_size, statementTimeoutMs: config.statement_timeout_ms };
  let db: DatabaseService & DemoSeeding;
  switch (scheme) {
    case "sqlite":
      // The host opens the file, and seeds the demo unless told not to, as it does by default.
      return { file: sqliteFile(config.url, origin), demo: demo ?? {} };
    case "postgres":
    case "postgresql":
      db = await PostgresDatabase.connect({ ...server, schema: config.schema });
      break;
    case "mysql":
    case "mariadb":
      db = await MysqlDatabase.connect(server);
      break;
    default:
      throw new ServicesConfigError(
        `${origin} "${redactUrl(config.url)}" is not a database URL this host knows; use postgres://, mysql://, mariadb:// or sqlite:<path>`,
      );
  }
  // A shared server's database is only seeded when asked: it may be GoatFlow's own.
  if (demo) {
    try {
      await seedDemoOnce(db, demo);
    } catch (error) {
      await db.close();
      throw error;
    }
  }
  return db;
}

/** Seeds when the demo tables are missing; a host that lost the race to another host is fine. */
async function seedDemoOnce(db: DemoSeeding, options: DemoDataOptions): Promise<void> {
  if (await db.hasDemoSchema()) return;
  try {
    await db.seedDemo(options);
  } catch (error) {
    if (!(await db.hasDemoSchema())) throw error;
  }
}

function demoOptions(demo: true | DemoConfig): DemoDataOptions {
  if (demo === true) return {};
  const { anchor_day, ...rest } = demo;
  return { ...rest, ...(anchor_day !== undefined ? { anchorDay: anchor_day } : {}) };
}

/** `sqlite:data/goatkit.db`, `sqlite:///var/lib/goatkit.db`, `sqlite::memory:`. */
function sqliteFile(url: string, origin: string): string {
  const file = url.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "").replace(/^\/\//, "");
  if (file === "") throw new ServicesConfigError(`${origin} "${url}" names no file; write sqlite:<path> or sqlite::memory:`);
  return file;
}

async function openCache(url: string, keyPrefix: string | undefined, origin: string): Promise<CacheService> {
  if (!/^rediss?:\/\//i.test(url)) throw new ServicesConfigError(`${origin} "${redactUrl(url)}" is not a Redis URL; write redis://host:6379 or rediss://host:6380`);
  return RedisCache.connect({ url, origin, ...(keyPrefix !== undefined ? { keyPrefix } : {}) });
}

async function openMail(url: string, origin: string): Promise<MailService> {
  if (!/^smtps?:\/\//i.test(url)) throw new ServicesConfigError(`${origin} "${redactUrl(url)}" is not an SMTP URL; write smtp://host:587 or smtps://host:465`);
  return SmtpMail.connect({ url, origin });
}
