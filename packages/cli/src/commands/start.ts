import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { defineCommand } from "citty";
import { createHost, startServer, type Host, type RunningServer } from "@goatkit/host";
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

export interface StartedHost {
  host: Host;
  server: RunningServer;
  token: string;
  close(): Promise<void>;
}

/**
 * The host on the embedded defaults (a SQLite demo help desk in a file, memory cache, dev
 * mailbox), serving the given plugins, their routes and widgets, and the dashboard.
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
      managerOptions: { ...(options.pluginsDir ? { pluginsDir: options.pluginsDir } : {}), watch: options.watch },
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
  meta: { name: "start", description: "Run the host with plugins on the embedded demo help desk, serving their routes, widgets and the dashboard" },
  args: {
    plugins: { type: "positional", description: "Plugin folders to load", required: false },
    "plugins-dir": { type: "string", description: "Also discover every plugin folder in this directory" },
    port: { type: "string", description: "Port (default: GOATKIT_PORT, else 8080; 0 picks a free one)" },
    db: { type: "string", description: "SQLite file (created with the demo help desk when empty)", default: ".goatkit/demo.db" },
    token: { type: "string", description: "Admin token for the API and the dashboard (default: GOATKIT_TOKEN, else a random one)" },
    watch: { type: "boolean", description: "Reload a plugin when its .wasm or manifest changes", default: false },
  },
  async run({ args }) {
    const plugins = (args._ ?? []).map(String);
    const portArg = args.port ?? process.env.GOATKIT_PORT ?? "8080";
    const port = Number(portArg);
    if (!/^\d+$/.test(portArg) || port > 65535) throw new GkError(`--port (or GOATKIT_PORT) must be a port number from 0 to 65535, not "${portArg}"`, EXIT.USAGE);
    const token = args.token ?? process.env.GOATKIT_TOKEN;
    if (token !== undefined && token.length < 8) throw new GkError("the admin token must be at least 8 characters; leave it out to get a random one", EXIT.USAGE);
    if (plugins.length === 0 && !args["plugins-dir"]) throw new GkError("name plugin folders to serve (gk start plugins/stats plugins/faq) or --plugins-dir", EXIT.USAGE);
    await assertPortFree(port);
    const started = await startHost({
      plugins,
      ...(args["plugins-dir"] ? { pluginsDir: args["plugins-dir"] } : {}),
      port,
      db: args.db,
      ...(token ? { token } : {}),
      watch: args.watch,
    });
    const { url } = started.server;
    console.log(
      [
        "",
        `GoatKit host listening on ${url}`,
        `  dashboard  ${url}/#token=${started.token}`,
        `  API token  ${started.token}   (curl -H "Authorization: Bearer ${started.token}" ${url}/api/v1/plugins)`,
        `  database   ${args.db} (demo help desk)`,
        "Press Ctrl-C to stop.",
      ].join("\n"),
    );
    await new Promise<void>((resolvePromise) => {
      const stop = () => {
        console.log("\nstopping: finishing running calls…");
        void started.close().then(resolvePromise);
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
  },
});
