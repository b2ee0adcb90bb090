import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost, startServer, type Host, type RunningServer } from "../../src/index.js";
import { pluginsDir, TOKENS, writePlugin } from "./support/platform.js";
import { watPlugin } from "./support/wat-plugin.js";

describe("static files under /api/plugins/<name>/static/", () => {
  let host: Host;
  let server: RunningServer;
  let remove: () => Promise<void>;

  beforeAll(async () => {
    const plugins = await pluginsDir();
    remove = plugins.remove;
    const folder = await writePlugin(plugins.dir, "portal", { name: "portal", version: "1.0.0" }, watPlugin("portal", "1.0.0", {}));
    await mkdir(join(folder, "static/css"), { recursive: true });
    await writeFile(join(folder, "static/css/portal.css"), "body { color: #123; }\n");
    await writeFile(join(plugins.dir, "secret.txt"), "not for plugins");
    host = await createHost({ database: { demo: { tickets: 10 } } });
    server = await startServer({ host, port: 0, tokens: TOKENS, managerOptions: { pluginsDir: plugins.dir } });
  });
  afterAll(async () => {
    await server.close();
    await host.close();
    await remove();
  });

  it("serves a file with its content type", async () => {
    const res = await fetch(`${server.url}/api/plugins/portal/static/css/portal.css`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await res.text()).toBe("body { color: #123; }\n");
  });

  it("answers 404 for a missing file and 400 for a path that leaves static/", async () => {
    expect((await fetch(`${server.url}/api/plugins/portal/static/css/none.css`)).status).toBe(404);
    const escape = await fetch(`${server.url}/api/plugins/portal/static/..%2F..%2Fsecret.txt`);
    expect(escape.status).toBe(400);
    expect(await escape.text()).not.toContain("not for plugins");
  });
});
