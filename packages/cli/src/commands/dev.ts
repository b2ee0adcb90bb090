import { watch, type FSWatcher } from "node:fs";
import { relative, resolve, sep } from "node:path";
import { defineCommand } from "citty";
import { loadManifest } from "@goatkit/sdk";
import { EXIT, GkError } from "../errors.js";
import { buildPlugin } from "./plugin/build.js";
import { startHost } from "./start.js";

// Folders whose changes are never sources.
const IGNORED = new Set(["node_modules", ".git", ".turbo", ".goatkit", "dist", "build"]);

export const devCommand = defineCommand({
  meta: { name: "dev", description: "Build a plugin, serve it with the dashboard, and rebuild and hot-reload it on every source change" },
  args: {
    dir: { type: "positional", description: "Plugin folder", required: false, default: "." },
    port: { type: "string", description: "Port (default 8080; 0 picks a free one)", default: "8080" },
    db: { type: "string", description: "SQLite file (created with the demo help desk when empty)", default: ".goatkit/demo.db" },
    token: { type: "string", description: "Admin token (default: a random one)" },
  },
  async run({ args }) {
    const dir = resolve(args.dir);
    const port = Number(args.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new GkError(`--port must be a port number, not "${args.port}"`, EXIT.USAGE);
    const { manifest } = await loadManifest(dir);
    await buildPlugin(dir, manifest);
    const started = await startHost({ plugins: [dir], port, db: args.db, watch: true, ...(args.token ? { token: args.token } : {}) });
    const { url } = started.server;
    console.log(`\ngk dev: ${manifest.name} on ${url}\n  dashboard  ${url}/#token=${started.token}\n  API token  ${started.token}\nWatching ${relative(process.cwd(), dir) || "."} for changes. Press Ctrl-C to stop.`);

    const output = resolve(dir, manifest.wasm ?? "plugin.wasm");
    const patterns = (manifest.build?.watch ?? []).map(globToRegExp);
    let timer: NodeJS.Timeout | undefined;
    let building: Promise<void> | null = null;
    let again = false;
    const rebuild = async () => {
      if (building) {
        again = true;
        return;
      }
      building = (async () => {
        do {
          again = false;
          try {
            const { manifest: current } = await loadManifest(dir);
            // The server reloads the plugin when the new module lands (it watches the file).
            await buildPlugin(dir, current);
          } catch (error) {
            // A failed build keeps the last good version serving.
            console.error(`gk dev: build failed, still serving the previous version:\n${error instanceof Error ? error.message : String(error)}`);
          }
        } while (again);
      })();
      await building;
      building = null;
    };
    const watcher: FSWatcher = watch(dir, { recursive: true }, (_event, name) => {
      if (!name) return;
      const path = resolve(dir, name.toString());
      if (path === output || name.toString().split(sep).some((part) => IGNORED.has(part))) return;
      const rel = relative(dir, path);
      if (patterns.length > 0 ? !patterns.some((p) => p.test(rel)) : !/\.(ts|js|mjs|wat|json|ya?ml)$/.test(rel)) return;
      clearTimeout(timer);
      timer = setTimeout(() => void rebuild(), 150);
    });

    await new Promise<void>((resolvePromise) => {
      const stop = () => {
        watcher.close();
        clearTimeout(timer);
        console.log("\nstopping: finishing running calls…");
        void started.close().then(resolvePromise);
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
  },
});

/** `src/**\/*.ts` style patterns (as in manifest build.watch) to a RegExp over relative paths. */
function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      re += glob[i + 2] === "/" ? "(?:.*/)?" : ".*";
      i += glob[i + 2] === "/" ? 2 : 1;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}
