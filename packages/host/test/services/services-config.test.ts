import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configFromEnv, parseServicesConfig, readServicesConfig } from "../../src/services/config.js";
import { servicesFromConfig, servicesFromEnv } from "../../src/services/from-config.js";

// The yaml package is optional for @goatkit/host: YAML configs need it, JSON ones do not.
const yamlPackage = "yaml";
const yamlInstalled = await import(yamlPackage).then(
  () => true,
  () => false,
);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "goatkit-config-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("configuration from environment variables", () => {
  it("reads every variable into its setting", () => {
    const { config, origins } = configFromEnv({
      GOATKIT_DB_URL: "postgres://goatkit:pw@db:5432/goatflow",
      GOATKIT_DB_SCHEMA: "plugins",
      GOATKIT_DB_POOL_SIZE: "20",
      GOATKIT_DB_STATEMENT_TIMEOUT_MS: "0",
      GOATKIT_DB_DEMO: "false",
      GOATKIT_REDIS_URL: "redis://cache:6379/2",
      GOATKIT_REDIS_KEY_PREFIX: "gf:",
      GOATKIT_SMTP_URL: "smtp://mail:587",
      GOATKIT_MAIL_FROM: "helpdesk@example.com",
      UNRELATED: "x",
    });
    expect(config).toEqual({
      database: { url: "postgres://goatkit:pw@db:5432/goatflow", schema: "plugins", pool_size: 20, statement_timeout_ms: 0, demo: false },
      cache: { url: "redis://cache:6379/2", key_prefix: "gf:" },
      mail: { url: "smtp://mail:587", from: "helpdesk@example.com" },
    });
    expect(origins["database.url"]).toBe("GOATKIT_DB_URL");
  });

  it("treats empty variables as unset, and none at all as the embedded defaults", async () => {
    expect(configFromEnv({ GOATKIT_DB_URL: "", GOATKIT_REDIS_URL: "" }).config).toEqual({});
    expect(await servicesFromEnv({})).toEqual({});
  });

  it("names the variable and the fix for a bad value", () => {
    expect(() => configFromEnv({ GOATKIT_DB_URL: "sqlite::memory:", GOATKIT_DB_POOL_SIZE: "ten" })).toThrow('GOATKIT_DB_POOL_SIZE must be a whole number, got "ten"');
    expect(() => configFromEnv({ GOATKIT_DB_URL: "sqlite::memory:", GOATKIT_DB_DEMO: "maybe" })).toThrow('GOATKIT_DB_DEMO must be true or false, got "maybe"');
    expect(() => configFromEnv({ GOATKIT_DB_POOL_SIZE: "5" })).toThrow(
      "database.url is missing while other database settings are given; set GOATKIT_DB_URL or database.url in the config file",
    );
  });

  it("sets the platform state's retention from the file and the variables, checking each", async () => {
    const file = join(dir, "state.json");
    await writeFile(file, JSON.stringify({ state: { log_lines_per_plugin: 500, log_max_age_days: 7 } }));
    expect(await servicesFromEnv({ GOATKIT_CONFIG: file, GOATKIT_RUNS_PER_JOB: "20", GOATKIT_LOG_MAX_AGE_DAYS: "0" })).toEqual({
      platformState: { logLinesPerPlugin: 500, logMaxAgeDays: 0, runsPerJob: 20 },
    });
    expect(() => configFromEnv({ GOATKIT_LOG_LINES_PER_PLUGIN: "lots" })).toThrow('GOATKIT_LOG_LINES_PER_PLUGIN must be a whole number, got "lots"');
    expect(() => parseServicesConfig({ state: { log_lines: 5 } })).toThrow('unknown setting "state.log_lines" (state.log_lines in the services config); state takes log_lines_per_plugin, log_max_age_days, runs_per_job');
    expect(() => parseServicesConfig({ state: { runs_per_job: 0 } })).toThrow("state.runs_per_job in the services config must be a whole number of 1 or more, got 0");
  });

  it("sets the mail sender alone, keeping the dev mailbox", async () => {
    expect(await servicesFromEnv({ GOATKIT_MAIL_FROM: "helpdesk@example.com" })).toEqual({ mailFrom: "helpdesk@example.com" });
  });
});

describe("configuration files", () => {
  it("reads JSON, and environment variables override it", async () => {
    const file = join(dir, "goatkit.json");
    await writeFile(file, JSON.stringify({ database: { url: "sqlite:./from-file.db", demo: { seed: 3, tickets: 100, anchor_day: "2026-01-31" } }, mail: { from: "file@example.com" } }));
    expect(await servicesFromEnv({ GOATKIT_CONFIG: file })).toEqual({
      database: { file: "./from-file.db", demo: { seed: 3, tickets: 100, anchorDay: "2026-01-31" } },
      mailFrom: "file@example.com",
    });
    expect(await servicesFromEnv({ GOATKIT_CONFIG: file, GOATKIT_DB_URL: "sqlite::memory:", GOATKIT_MAIL_FROM: "env@example.com" })).toEqual({
      database: { file: ":memory:", demo: { seed: 3, tickets: 100, anchorDay: "2026-01-31" } },
      mailFrom: "env@example.com",
    });
  });

  it("names the file and the setting when one is wrong", async () => {
    const file = join(dir, "typo.json");
    await writeFile(file, JSON.stringify({ database: { url: "sqlite::memory:", poolsize: 3 } }));
    await expect(readServicesConfig(file)).rejects.toThrow(
      `unknown setting "database.poolsize" (database.poolsize in ${file}); database takes url, schema, pool_size, statement_timeout_ms, demo`,
    );
    const broken = join(dir, "broken.json");
    await writeFile(broken, "{ database: ");
    await expect(readServicesConfig(broken)).rejects.toThrow(new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} is not valid JSON: `));
    await expect(readServicesConfig(join(dir, "goatkit.toml"))).rejects.toThrow(/^cannot read the services config .*goatkit\.toml: .*; check the path \(GOATKIT_CONFIG\)$/);
  });

  it.skipIf(!yamlInstalled)("reads YAML", async () => {
    const file = join(dir, "goatkit.yaml");
    // sqlite::memory: must be quoted in YAML: a plain value ending in ":" starts a mapping.
    await writeFile(file, 'database:\n  url: "sqlite::memory:"\n  demo: false\nmail:\n  from: yaml@example.com\n');
    expect((await readServicesConfig(file)).config).toEqual({ database: { url: "sqlite::memory:", demo: false }, mail: { from: "yaml@example.com" } });
  });

  it.skipIf(yamlInstalled)("says what reading YAML needs while the yaml package is not installed", async () => {
    const file = join(dir, "goatkit.yaml");
    await writeFile(file, "database:\n  url: sqlite::memory:\n");
    await expect(readServicesConfig(file)).rejects.toThrow(`reading ${file} needs the "yaml" package; install it beside @goatkit/host (npm install yaml) or write the config as JSON`);
  });

  it("checks configuration given in code the same way", () => {
    expect(() => parseServicesConfig({ databse: {} })).toThrow('unknown setting "databse" (databse in the services config); the settings are database, cache, mail');
    expect(() => parseServicesConfig({ database: { url: "sqlite::memory:", statement_timeout_ms: -1 } })).toThrow(
      "database.statement_timeout_ms in the services config must be a whole number of milliseconds (0 for no limit), got -1",
    );
  });
});

describe("opening services from configuration", () => {
  it("refuses a URL scheme it does not know, naming the schemes it does", async () => {
    await expect(servicesFromEnv({ GOATKIT_DB_URL: "mongodb://db/goatflow" })).rejects.toThrow(
      'GOATKIT_DB_URL "mongodb://db/goatflow" is not a database URL this host knows; use postgres://, mysql://, mariadb:// or sqlite:<path>',
    );
    await expect(servicesFromEnv({ GOATKIT_REDIS_URL: "memcached://cache:11211" })).rejects.toThrow(
      'GOATKIT_REDIS_URL "memcached://cache:11211" is not a Redis URL; write redis://host:6379 or rediss://host:6380',
    );
    await expect(servicesFromEnv({ GOATKIT_SMTP_URL: "http://mail" })).rejects.toThrow('GOATKIT_SMTP_URL "http://mail" is not an SMTP URL; write smtp://host:587 or smtps://host:465');
  });

  it("opens SQLite as the host's embedded database, demo on unless turned off", async () => {
    expect(await servicesFromEnv({ GOATKIT_DB_URL: "sqlite:///var/lib/goatkit/help.db" })).toEqual({ database: { file: "/var/lib/goatkit/help.db", demo: {} } });
    expect(await servicesFromConfig({ database: { url: "sqlite:data/help.db", demo: false } })).toEqual({ database: { file: "data/help.db", demo: false } });
  });

  // Port 1 refuses connections on any machine, so these need no server.
  it.each([
    ["GOATKIT_DB_URL", "postgres://goatkit:secret@127.0.0.1:1/goatflow", "PostgreSQL", "postgres://goatkit:***@127.0.0.1:1/goatflow", "start the server or fix GOATKIT_DB_URL"],
    ["GOATKIT_DB_URL", "mysql://goatkit:secret@127.0.0.1:1/goatflow", "MySQL/MariaDB", "mysql://goatkit:***@127.0.0.1:1/goatflow", "start the server or fix GOATKIT_DB_URL"],
    ["GOATKIT_REDIS_URL", "redis://:secret@127.0.0.1:1", "Redis", "redis://:***@127.0.0.1:1", "start Redis or fix GOATKIT_REDIS_URL"],
    ["GOATKIT_SMTP_URL", "smtp://goatkit:secret@127.0.0.1:1", "the SMTP server", "smtp://goatkit:***@127.0.0.1:1", "start the mail server or fix GOATKIT_SMTP_URL"],
  ])("a refused connection names the URL without its password and %s (%s)", async (variable, url, service, shown, fix) => {
    const error: Error = await servicesFromEnv({ [variable]: url }).then(
      () => new Error("connected"),
      (e: Error) => e,
    );
    expect(error.message.startsWith(`cannot connect to ${service} at ${shown} (set by ${variable}): `)).toBe(true);
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(error.message.endsWith(`; ${fix}`)).toBe(true);
    expect(error.message).not.toContain("secret");
  });
});
