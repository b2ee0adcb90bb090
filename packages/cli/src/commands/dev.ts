import { relative, resolve, sep } from "node:path";
import { watch } from "chokidar";
import { defineCommand } from "citty";
import { forgetSecrets, messageOf } from "@goatkit/host";
import { loadManifest } from "@goatkit/sdk";
import { EXIT, GkError } from "../errors.js";
import { buildPlugin } from "./plugin/build.js";
import { globToRegExp } from "./plugin/fresh-build.js";
import { mapStack, mapWasmFrames, wasmFramesOf } from "./source-map.js";
import { assertPortFree, startHost, type StartedHost } from "./start.js";

// Folders whose changes are never sources.
const IGNORED = new Set(["node_modules", ".git", ".turbo", ".goatkit", "dist", "build"]);

export const devCommand = defineCommand({
  meta: { name: "dev", description: "Build a plugin, serve it with the dashboard, and rebuild and hot-reload it on every source change" },
  args: {
    dir: { type: "positional", description: "Plugin folder", required: false, default: "." },
    port: { type: "string", description: "Port (default: GOATKIT_PORT, else 8080; 0 picks a free one)" },
    db: { type: "string", description: "SQLite file (created with the demo help desk when empty)", default: ".goatkit/demo.db" },
    token: { type: "string", description: "Admin token (default: GOATKIT_TOKEN, else a random one)" },
  },
  async run({ args }) {
    const dir = resolve(args.dir);
    const portArg = args.port ?? process.env.GOATKIT_PORT ?? "8080";
    const port = Number(portArg);
    if (!/^\d+$/.test(portArg) || port > 65535) throw new GkError(`--port (or GOATKIT_PORT) must be a port number from 0 to 65535, not "${portArg}"`, EXIT.USAGE);
    const token = args.token ?? process.env.GOATKIT_TOKEN;
    if (token !== undefined && token.length < 8) throw new GkError("the admin token must be at least 8 characters; leave it out to get a random one", EXIT.USAGE);
    // Read: the token leaves the environment that plugin builds and processes could read.
    forgetSecrets(["GOATKIT_TOKEN"]);
    const { manifest } = await loadManifest(dir);
    await assertPortFree(port);
    await buildPlugin(dir, manifest);
    const started = await startHost({ plugins: [dir], port, db: args.db, watch: true, ...(token ? { token } : {}) });
    // Reloads happen in the plugin manager when the new module lands: say how each one went.
    // A failed reload is said once: the manifest's change and the rebuilt module that follows it
    // each make the host try again, and fail for the same reason, until one succeeds.
    let lastFailure = "";
    started.server.manager.on("reloaded", (event) => {
      lastFailure = "";
      console.log(`gk dev: reloaded ${event.plugin} ${event.version}`);
    });
    const output = resolve(dir, manifest.wasm ?? "plugin.wasm");
    // Errors reach the terminal from the plugin's log, once each: a failed call (E_TRAP,
    // E_TIMEOUT, E_PERMISSION_DENIED, ...) would otherwise show only on the dashboard's log page.
    // A TypeScript handler's throw is logged by the plugin first, with the stack; the host's line
    // of the failed call follows: the two are printed as one, the stack in the author's files.
    // An AssemblyScript abort names the author's line, also when the standard library aborted.
    // A permission denial (logged as a warning: the plugin may handle it) gets a line of its own,
    // which names the permission or allowed host to add; the failed call that may follow refers to it.
    let stack = "";
    let denial = "";
    const unsubscribe = started.host.logs.subscribe((entry) => {
      if (entry.plugin !== manifest.name) return;
      if (entry.level === "warn" && typeof entry.fields.host_function === "string" && entry.message.startsWith("permission denied")) {
        denial = entry.message;
        console.error(`gk dev: ${entry.plugin}: ${entry.message}`);
        return;
      }
      if (entry.level !== "error") return;
      const { handler, code, event } = entry.fields;
      if (typeof entry.fields.stack === "string") stack = entry.fields.stack;
      else if (typeof handler === "string") {
        let message = entry.message.startsWith(`${handler}: `) ? entry.message.slice(handler.length + 2) : entry.message;
        if (denial !== "" && message.includes(denial)) message = message.replace(denial, "the permission denial above");
        // An AssemblyScript abort or trap: the author's line from the guest's frames.
        message = mapWasmFrames(message, wasmFramesOf(entry.fields.wasm_frames), output);
        denial = "";
        // V8 and QuickJS stacks start with the message; SpiderMonkey's (a component's) with a frame.
        const trace = stack === "" ? "" : `\n${stack.replace(/^(?!\S*@\S+:\d+:\d+\n)\S.*\n/, "").trimEnd()}`;
        stack = "";
        console.error(`gk dev: ${entry.plugin}: ${handler} failed with ${String(code ?? "E_TRAP")}: ${mapStack(message + trace, output, dir)}`);
      } else if (event === "error" && entry.message !== lastFailure) {
        lastFailure = entry.message;
        console.error(`gk dev: ${entry.plugin}: ${entry.message}`);
      }
    });

    const patterns = (manifest.build?.watch ?? []).map(globToRegExp);
    let timer: NodeJS.Timeout | undefined;
    let building: Promise<void> | null = null;
    let again = false;
    // What changed since the last build started, said when it starts.
    let changed = new Map<string, string>();
    const rebuild = async () => {
      if (building) {
        again = true;
        return;
      }
      building = (async () => {
        do {
          again = false;
          const files = [...changed].map(([file, how]) => (how ? `${file} (${how})` : file));
          changed = new Map();
          try {
            const { manifest: current } = await loadManifest(dir);
            console.log(`gk dev: change detected: ${files.join(", ")}, rebuilding ${current.name}`);
            // The server reloads the plugin when the new module lands (it watches the file).
            await buildPlugin(dir, current);
          } catch (error) {
            // A failed build keeps the last good version serving.
            console.error(`gk dev: build failed, still serving the previous version:\n${messageOf(error)}`);
          }
        } while (again);
      })();
      await building;
      building = null;
    };
    const isSource = (path: string) => {
      const rel = relative(dir, path);
      return patterns.length > 0 ? patterns.some((p) => p.test(rel)) : /\.(ts|js|mjs|wat|json|ya?ml)$/.test(rel);
    };
    // chokidar, not fs.watch: Node's recursive watch on Linux loses a file once an editor saves
    // it by renaming a temp file over it (sed -i, vim, "safe write"), and then never reports it again.
    const watcher = watch(dir, {
      ignoreInitial: true,
      ignored: (path) => path === output || relative(dir, path).split(sep).some((part) => IGNORED.has(part)),
      // A save that is a delete then a create within this window is one change, not a deletion.
      atomic: 100,
    });
    watcher.on("all", (event, path) => {
      if (event === "addDir" || event === "unlinkDir" || !isSource(path)) return;
      changed.set(relative(dir, path), event === "unlink" ? "deleted" : event === "add" ? "created" : "");
      clearTimeout(timer);
      timer = setTimeout(() => void rebuild(), 150);
    });
    watcher.on("error", (error) => console.error(`gk dev: watching ${dir} failed: ${messageOf(error)}`));
    // Said once the watcher has read the folder: a save from then on is seen (one made while
    // chokidar still scanned, right after an earlier banner, was lost).
    await new Promise<void>((ready) => watcher.once("ready", () => ready()));
    console.log(`\n${banner(manifest.name, started)}\nWatching ${relative(process.cwd(), dir) || "."} for changes. Press Ctrl-C to stop.`);

    await new Promise<void>((resolvePromise) => {
      const stop = () => {
        void watcher.close();
        unsubscribe();
        clearTimeout(timer);
        console.log("\nstopping: finishing running calls…");
        void started.close().then(resolvePromise);
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
  },
});

/** Where the plugin answers: the dashboard, each route's URL, and a request that works as printed. */
function banner(name: string, started: StartedHost): string {
  const { url } = started.server;
  const routes = started.server.manager.list().find((p) => p.name === name)?.routes ?? [];
  const lines = [`gk dev: ${name} on ${url}`, `  dashboard  ${url}/#token=${started.token}`, `  API token  ${started.token}`];
  routes.forEach((route, i) => lines.push(`  ${i === 0 ? "routes" : "      "}     ${route.method.padEnd(6)} ${url}${route.mountPath}`));
  const first = routes.find((r) => r.method === "GET" && !r.mountPath.includes("/:"));
  if (first) lines.push(`  try        curl -H "Authorization: Bearer ${started.token}" ${url}${first.mountPath}`);
  return lines.join("\n");
}
