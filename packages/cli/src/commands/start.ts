import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { access, mkdir, readdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defineCommand } from "citty";
import {
  createHost,
  messageOf,
  forgetSecrets,
  readServicesConfig,
  runHostProcess,
  startServer,
  type Host,
  type HostProcessLine,
  type RunningServer,
} from "@goatkit/host";
import { EXIT, GkError } from "../errors.js";

export interface StartOptions {
  plugins: string[];
  pluginsDir?: string;
  port: number;
  db: string;
  token?: string;
  watch: boolean;
  log?: (line: string) => void;
}

/** The demo help desk's own templates (pages of the application, beside the plugins'). */
export const DEMO_TEMPLATES = fileURLToPath(new URL("../demo-templates/", import.meta.url));
/** The demo help desk's pages, rendered from DEMO_TEMPLATES with the plugins' template functions. */
export const DEMO_PAGES = { "/agent": "agent-dashboard.html" };
/** The plugins DEMO_PAGES use (`{% use %}`): without them loaded the pages would only answer 500. */
export const DEMO_PAGE_PLUGINS = ["stats", "faq"];

export interface StartedHost {
  host: Host;
  server: RunningServer;
  token: string;
  close(): Promise<void>;
}

/**
 * The host on the embedded defaults (a SQLite demo help desk in a file, memory cache, dev
 * mailbox), serving the given plugins, their routes and widgets, and the dashboard: `gk dev`'s.
 */
export async function startHost(options: StartOptions): Promise<StartedHost> {
  const log = options.log ?? console.log;
  if (options.db !== ":memory:") await mkdir(dirname(resolve(options.db)), { recursive: true });
  const host = await createHost({ database: { file: options.db } });
  try {
    for (const dir of options.plugins) {
      const plugin = await host.load(dir);
      log(`loaded ${plugin.name} ${plugin.manifest.version} (${plugin.binding}) from ${dir}`);
    }
  } catch (error) {
    await host.close();
    throw error;
  }
  const token = options.token ?? randomBytes(18).toString("base64url");
  const admin = { id: 1, login: "admin", email: "admin@goatflow.example", role: "admin" as const };
  let server: RunningServer;
  try {
    server = await startServer({
      host,
      port: options.port,
      tokens: { [token]: admin },
      demoDesk: true,
      managerOptions: { ...(options.pluginsDir ? { pluginsDir: options.pluginsDir } : {}), watch: options.watch },
      // The demo pages only when the plugins they use are loaded: else they would answer 500.
      ...(DEMO_PAGE_PLUGINS.every((name) => host.plugins.some((p) => p.name === name)) ? { templates: { folders: [DEMO_TEMPLATES], pages: DEMO_PAGES } } : {}),
    });
  } catch (error) {
    await host.close();
    if ((error as { cause?: { code?: string } }).cause?.code === "EADDRINUSE") throw portInUse(options.port);
    throw error;
  }
  return {
    host,
    server,
    token,
    async close() {
      await server.close();
      await host.close();
    },
  };
}

/** The error for a taken port; `gk dev` and `gk start` fail with it before doing any work. */
export function portInUse(port: number): GkError {
  return new GkError(`port ${port} on 127.0.0.1 is in use (another gk dev or gk start?). Fix: stop that server, or pick another port with --port ${port + 1} (--port 0 picks a free one)`);
}

/** Fails fast, before a build, when something already listens on the port. */
export async function assertPortFree(port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolvePromise, reject) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => reject(error.code === "EADDRINUSE" ? portInUse(port) : error));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolvePromise()));
  });
}

export const startCommand = defineCommand({
  meta: { name: "start", description: "Run the host: plugins, their routes, widgets and jobs, and the dashboard, on the embedded demo help desk or the configured services and cluster" },
  args: {
    plugins: { type: "positional", description: "Plugin folders, .wasm files and .zip packages (gk plugin pack) to load", required: false },
    "plugins-dir": { type: "string", description: "Also discover every plugin folder and .zip package in this directory, and GoatFlow's plugins (bare .wasm files, plugin.yaml folders)" },
    trust: { type: "string", description: "A publisher's public key (gk plugin keygen) whose signed packages are trusted; repeat for more (sets packages.trusted_keys)" },
    "require-signatures": { type: "boolean", description: "Load only packages signed by a trusted key; plugin folders are refused (packages.require_signatures)", default: false },
    config: { type: "string", description: "Services, cluster, plugin limit and package config file, JSON or YAML (docs/services.md); GOATKIT_* variables override it" },
    port: { type: "string", description: "Port (default: GOATKIT_PORT, else 8080; 0 picks a free one)" },
    listen: { type: "string", description: "Interface to listen on (default GOATKIT_LISTEN, else 127.0.0.1)" },
    db: { type: "string", description: "SQLite file when no database is configured (created with the demo help desk when empty)", default: ".goatkit/demo.db" },
    token: { type: "string", description: "Admin token for the API and the dashboard (default: GOATKIT_TOKEN, else a random one)" },
    "host-id": { type: "string", description: "This host's name in a cluster (default GOATKIT_HOST_ID, else <hostname>-<pid>)" },
    templates: { type: "string", description: "A folder of the application's templates (docs/templates.md); repeat for more, searched in order" },
    page: { type: "string", description: "Serve a page of the templates: ROUTE=TEMPLATE, e.g. /queue=queue.html; repeat for more" },
    watch: { type: "boolean", description: "Reload a plugin when its .wasm or manifest changes", default: false },
    eager: { type: "boolean", description: "Load every plugin at start instead of on its first use (plugins.eager)", default: false },
    "pool-size": { type: "string", description: 'Instances per plugin running calls at once: a number, or "auto" (default: two per core, at most plugins.max_pool_size; sets plugins.pool_size)' },
    json: { type: "boolean", description: "Print one JSON line per event (ready, run, plugin, cluster, stopping, stopped) instead of text", default: false },
  },
  async run({ args, rawArgs }) {
    const named = (args._ ?? []).map(String);
    const plugins = named.filter((path) => !path.endsWith(".zip"));
    const packages = named.filter((path) => path.endsWith(".zip")).map((path) => resolve(path));
    // packages.dir may come from the config file or GOATKIT_PACKAGES_DIR; runHostProcess checks it.
    if (named.length === 0 && !args["plugins-dir"] && !args.config && !process.env.GOATKIT_CONFIG && !process.env.GOATKIT_PACKAGES_DIR) {
      throw new GkError("name plugin folders to serve (gk start plugins/stats plugins/faq), --plugins-dir, or a packages folder (packages.dir in --config)", EXIT.USAGE);
    }
    const portArg = args.port ?? process.env.GOATKIT_PORT ?? "8080";
    const port = Number(portArg);
    if (!/^\d+$/.test(portArg) || port > 65535) throw new GkError(`--port (or GOATKIT_PORT) must be a port number from 0 to 65535, not "${portArg}"`, EXIT.USAGE);
    const token = args.token ?? process.env.GOATKIT_TOKEN ?? randomBytes(18).toString("base64url");
    if (token.length < 8) throw new GkError("the admin token must be at least 8 characters; leave it out to get a random one", EXIT.USAGE);

    const env: Record<string, string | undefined> = { ...process.env };
    // Read: the token and service URLs leave the process's environment (docs/grpc.md, Security).
    forgetSecrets();
    if (args.config) env.GOATKIT_CONFIG = resolve(args.config);
    if (args["host-id"]) env.GOATKIT_HOST_ID = args["host-id"];
    // The flags override the config file, as its GOATKIT_* variables do.
    const trusted = trustFlags(rawArgs);
    if (trusted.length > 0) env.GOATKIT_TRUSTED_KEYS = trusted.join(",");
    if (args["require-signatures"]) env.GOATKIT_REQUIRE_SIGNATURES = "true";
    if (args.eager) env.GOATKIT_PLUGINS_EAGER = "true";
    if (args["pool-size"] !== undefined) {
      const poolSize = String(args["pool-size"]).trim();
      if (poolSize !== "auto" && !/^[1-9]\d*$/.test(poolSize)) throw new GkError(`--pool-size must be "auto" or a whole number of 1 or more, not "${poolSize}"`, EXIT.USAGE);
      env.GOATKIT_PLUGIN_POOL_SIZE = poolSize;
    }
    const database = await configuredDatabase(env);
    if (!database) {
      // Nothing configured: the embedded demo help desk in a SQLite file.
      if (args.db !== ":memory:") await mkdir(dirname(resolve(args.db)), { recursive: true });
      env.GOATKIT_DB_URL = `sqlite:${args.db}`;
    }

    const templateFolders = repeated(rawArgs, "templates").map((folder) => resolve(folder));
    const pages = await pagesFrom(repeated(rawArgs, "page"), templateFolders);

    await assertPortFree(port);
    const json = args.json;
    if (args["plugins-dir"]) {
      for (const skipped of await skippedEntries(resolve(args["plugins-dir"]))) {
        if (json) console.log(JSON.stringify({ event: "skipped", path: skipped, reason: "not a plugin folder or a .zip package" }));
        else console.log(`skipped ${skipped}: not a plugin folder or a .zip package`);
      }
    }
    let running: Awaited<ReturnType<typeof runHostProcess>>;
    try {
      running = await runHostProcess({
        ...(args["plugins-dir"] ? { pluginsDir: resolve(args["plugins-dir"]) } : {}),
        plugins,
        packages,
        env,
        port,
        ...(args.listen ? { hostname: args.listen } : {}),
        adminToken: token,
        watch: args.watch,
        // The demo pages only when the plugins they use are served; the application's pages win.
        templates: (manager) => {
          const demo = servesDemoPlugins(manager);
          return { folders: [...templateFolders, ...(demo ? [DEMO_TEMPLATES] : [])], pages: { ...(demo ? DEMO_PAGES : {}), ...pages } };
        },
        // The demo help desk's ticket API, only on the embedded demo database.
        demoDesk: !database,
        print: (line) => (json ? console.log(JSON.stringify(line)) : printLine(line)),
      });
    } catch (error) {
      if ((error as { cause?: { code?: string } }).cause?.code === "EADDRINUSE") throw portInUse(port);
      throw error;
    }
    if (!json) {
      const { url } = running;
      console.log(
        [
          "",
          `GoatKit host listening on ${url}`,
          `  dashboard  ${url}/#token=${token}`,
          ...servedPages(running.manager, pages).map(([label, path, what]) => `  ${label.padEnd(10)} ${url}${path}#token=${token}   (${what})`),
          `  API token  ${token}   (curl -H "Authorization: Bearer ${token}" ${url}/api/v1/plugins)`,
          `  database   ${database ?? `${args.db} (demo help desk)`}`,
          `  cluster    ${running.coordinator ? `joined as ${running.hostId}` : "off (this host runs alone)"}`,
          "Press Ctrl-C to stop.",
        ].join("\n"),
      );
    }
    // runHostProcess stops gracefully on SIGTERM and SIGINT and exits.
    await new Promise<never>(() => undefined);
  },
});

/** Every value of a repeatable flag (`--name V` or `--name=V`): citty keeps only the last. */
function repeated(rawArgs: string[], name: string): string[] {
  const values: string[] = [];
  rawArgs.forEach((arg, i) => {
    if (arg === `--${name}` && rawArgs[i + 1] !== undefined) values.push(rawArgs[i + 1]!);
    else if (arg.startsWith(`--${name}=`)) values.push(arg.slice(name.length + 3));
  });
  return values;
}

/** Every `--trust KEY` given, commas separating keys as in GOATKIT_TRUSTED_KEYS. */
function trustFlags(rawArgs: string[]): string[] {
  return repeated(rawArgs, "trust").flatMap((key) => key.split(",")).map((key) => key.trim()).filter(Boolean);
}

/** `--page ROUTE=TEMPLATE` flags as pages, each template found in one of the folders. */
async function pagesFrom(flags: string[], folders: string[]): Promise<Record<string, string>> {
  const pages: Record<string, string> = {};
  for (const flag of flags) {
    const match = /^(\/[^=\s]*)=(\S+)$/.exec(flag);
    if (!match) throw new GkError(`--page takes ROUTE=TEMPLATE, e.g. --page /queue=queue.html, not "${flag}"`, EXIT.USAGE);
    const [, path, template] = match as unknown as [string, string, string];
    if (folders.length === 0) throw new GkError(`--page ${flag} needs the folder of its template: add --templates <folder>`, EXIT.USAGE);
    const found = await Promise.any(folders.map((folder) => access(resolve(folder, template)))).then(() => true, () => false);
    if (!found) throw new GkError(`--page ${flag}: no ${template} in ${folders.join(", ")}; fix the template's name or add the folder that holds it with --templates`, EXIT.USAGE);
    pages[path] = template;
  }
  return pages;
}

/** The pages the host serves, with what each is, for the banner. */
function servedPages(manager: { list(): Array<{ name: string; status: string }> }, pages: Record<string, string>): Array<[string, string, string]> {
  const served: Array<[string, string, string]> = Object.entries(pages).map(([path, template]) => ["page", path, template]);
  if (servesDemoPlugins(manager)) {
    for (const path of Object.keys(DEMO_PAGES)) if (!(path in pages)) served.unshift(["agent page", path, "rendered from templates that use the stats and faq plugins"]);
  }
  return served;
}

/**
 * Whether the plugins the demo pages use are served: loaded, or registered from their manifests
 * and loading on first use (the page's first `{% use %}` loads them).
 */
function servesDemoPlugins(manager: { list(): Array<{ name: string; status: string }> }): boolean {
  const served = new Set(manager.list().filter((p) => ["loaded", "loading", "discovered"].includes(p.status)).map((p) => p.name));
  return DEMO_PAGE_PLUGINS.every((name) => served.has(name));
}

/**
 * What a plugins folder holds that the host does not serve: neither a folder, a .zip, nor
 * GoatFlow's bare .wasm and its .sig (hidden files aside).
 */
async function skippedEntries(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const served = (name: string) => name.endsWith(".zip") || name.endsWith(".wasm") || name.endsWith(".wasm.sig");
  return entries.filter((e) => !e.name.startsWith(".") && !e.isDirectory() && !served(e.name)).map((e) => resolve(dir, e.name)).sort();
}

/** The configured database (redacted), from GOATKIT_DB_URL or the config file, or null for none. */
async function configuredDatabase(env: Record<string, string | undefined>): Promise<string | null> {
  if (env.GOATKIT_DB_URL) return redact(env.GOATKIT_DB_URL);
  if (!env.GOATKIT_CONFIG) return null;
  try {
    const { config } = await readServicesConfig(env.GOATKIT_CONFIG);
    return config.database?.url ? redact(config.database.url) : null;
  } catch (error) {
    throw new GkError(messageOf(error));
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, "//$1:***@");
}

/** A plugin's status as the start-up lines say it. */
const STATUS_TEXT: Record<string, string> = { discovered: "registered (not loaded; loads on first use)" };

/** The host's events as the text lines an operator reads. */
function printLine(line: HostProcessLine): void {
  switch (line.event) {
    case "ready":
      for (const plugin of line.plugins as Array<{ name: string; status: string; error?: string; goatflow?: string }>) {
        // GoatFlow's plugins have no manifest of ours: say what described them.
        const goatflow = plugin.goatflow ? ` [GoatFlow ${plugin.goatflow}, no manifest]` : "";
        console.log(`${plugin.name}: ${STATUS_TEXT[plugin.status] ?? plugin.status}${goatflow}${plugin.error ? ` (${plugin.error})` : ""}`);
      }
      return;
    case "run":
      if (line.status !== "running") console.log(`job ${line.plugin}/${line.job} due ${line.tick}: ${line.status}${line.error ? ` (${line.error})` : ""}`);
      return;
    case "cluster":
      console.log(`cluster: ${line.type}${line.plugin ? ` ${line.plugin}` : ""}${line.command ? ` ${line.command}` : ""}${line.from ? ` from ${line.from}` : ""}${line.message ? `: ${line.message}` : ""}`);
      return;
    case "stopping":
      console.log("\nstopping: finishing running calls and jobs…");
      return;
    case "error":
      console.error(`error${line.plugin ? ` in ${line.plugin}` : ""}: ${line.message}`);
      return;
    default:
      return;
  }
}
