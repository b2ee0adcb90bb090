import { randomBytes } from "node:crypto";
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
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({
      host,
      port: options.port,
      tokens: { [token]: admin },
      managerOptions: { ...(options.pluginsDir ? { pluginsDir: options.pluginsDir } : {}), watch: options.watch },
    });
  } catch (error) {
    // A refused token or a busy port: the loaded plugins (gRPC processes among them) stop too.
    await host.close();
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

export const startCommand = defineCommand({
  meta: { name: "start", description: "Run the host with plugins on the embedded demo help desk, serving their routes, widgets and the dashboard" },
  args: {
    plugins: { type: "positional", description: "Plugin folders to load", required: false },
    "plugins-dir": { type: "string", description: "Also discover every plugin folder in this directory" },
    port: { type: "string", description: "Port (default 8080; 0 picks a free one)", default: "8080" },
    db: { type: "string", description: "SQLite file (created with the demo help desk when empty)", default: ".goatkit/demo.db" },
    token: { type: "string", description: "Admin token for the API and the dashboard (default: GOATKIT_TOKEN, else a random one)" },
    watch: { type: "boolean", description: "Reload a plugin when its .wasm or manifest changes", default: false },
  },
  async run({ args }) {
    const plugins = (args._ ?? []).map(String);
    const port = Number(args.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new GkError(`--port must be a port number, not "${args.port}"`, EXIT.USAGE);
    const token = args.token ?? process.env.GOATKIT_TOKEN;
    if (token !== undefined && token.length < 8) throw new GkError("the admin token must be at least 8 characters; leave it out to get a random one", EXIT.USAGE);
    if (plugins.length === 0 && !args["plugins-dir"]) throw new GkError("name plugin folders to serve (gk start plugins/stats plugins/faq) or --plugins-dir", EXIT.USAGE);
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
