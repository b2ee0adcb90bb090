// The server side of scripts/bench/throughput.mjs, in a process of its own so the load comes
// from another: `node throughput-server.mjs '<json>'` prints one JSON line with its URL once it
// listens, and stops on SIGTERM.
//   {"kind":"host","plugins":[dirs],"pluginsDir"?:dir,"db":"file.db","token":"..."}: the host as `gk start` runs it
//   {"kind":"plain","token":"...","bodies":{"/ok":"ok"}}: a plain Hono handler per path, the
//   same bytes behind the same bearer check (the host's TokenAuth: the token's SHA-256 looked up).
import { createRequire } from "node:module";
import { createHash } from "node:crypto";
import { runHostProcess } from "../../packages/host/dist/index.js";

// hono is the host's dependency, not the workspace root's.
const require = createRequire(new URL("../../packages/host/package.json", import.meta.url));
const { serve } = require("@hono/node-server");
const { Hono } = require("hono");

const spec = JSON.parse(process.argv[2]);
const admin = { id: 1, login: "admin", email: "admin@goatflow.example", role: "admin" };

if (spec.kind === "plain") {
  const digest = (token) => createHash("sha256").update(token).digest("hex");
  const users = new Map([[digest(spec.token), admin]]);
  const app = new Hono();
  app.use("*", async (c, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
    const user = match ? users.get(digest(match[1])) : undefined;
    if (!user) return c.json({ error: "sign in with a bearer token", code: "E_UNAUTHORIZED" }, 401);
    await next();
  });
  for (const [path, { body, type }] of Object.entries(spec.bodies)) app.get(path, (c) => c.body(body, 200, { "content-type": type }));
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => console.log(JSON.stringify({ url: `http://127.0.0.1:${info.port}` })));
  process.once("SIGTERM", () => server.close(() => process.exit(0)));
} else {
  const running = await runHostProcess({
    plugins: spec.plugins,
    ...(spec.pluginsDir ? { pluginsDir: spec.pluginsDir } : {}),
    // GOATKIT_PLUGIN_POOL_SIZE of the bench's environment compares pool sizes.
    env: { GOATKIT_DB_URL: `sqlite:${spec.db}`, ...(process.env.GOATKIT_PLUGIN_POOL_SIZE ? { GOATKIT_PLUGIN_POOL_SIZE: process.env.GOATKIT_PLUGIN_POOL_SIZE } : {}), ...(spec.env ?? {}) },
    port: 0,
    adminToken: spec.token,
    demoDesk: true,
    print: (line) => line.event === "error" && console.error(JSON.stringify(line)),
    handleSignals: false,
  });
  console.log(JSON.stringify({ url: running.url }));
  process.once("SIGTERM", () => running.stop("SIGTERM").then(() => process.exit(0)));
}
