import { mkdir, symlink, writeFile } from "node:fs/promises";
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
    await writeFile(join(folder, "static/100%.txt"), "one hundred percent\n");
    await writeFile(join(folder, "static/a%20b.txt"), "a literal %20 in the name\n");
    await writeFile(join(plugins.dir, "secret.txt"), "not for plugins");
    // static/ itself a link out of the plugin folder: to the root, to a sibling.
    await symlink("/", join(await writePlugin(plugins.dir, "evillink", { name: "evillink", version: "1.0.0" }, watPlugin("evillink", "1.0.0", {})), "static"));
    await symlink(plugins.dir, join(await writePlugin(plugins.dir, "uplink", { name: "uplink", version: "1.0.0" }, watPlugin("uplink", "1.0.0", {})), "static"));
    // static/ a link to a folder inside the plugin, with a link to another file inside it.
    const inner = await writePlugin(plugins.dir, "innerlink", { name: "innerlink", version: "1.0.0" }, watPlugin("innerlink", "1.0.0", {}));
    await mkdir(join(inner, "public"));
    await writeFile(join(inner, "public/app.css"), "p { margin: 0; }\n");
    await symlink("public", join(inner, "static"));
    await symlink("app.css", join(inner, "public/alias.css"));
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

  // Regression: the path was decoded by the router, again before resolveStaticFile and once
  // more per segment, so a lone "%" threw (500 with a stack trace) and "%" names were unreachable.
  it("decodes the path once: names with % are served, bad escapes answer 400", async () => {
    const percent = await fetch(`${server.url}/api/plugins/portal/static/100%25.txt`);
    expect(percent.status).toBe(200);
    expect(await percent.text()).toBe("one hundred percent\n");
    const literal = await fetch(`${server.url}/api/plugins/portal/static/a%2520b.txt`);
    expect(literal.status).toBe(200);
    expect(await literal.text()).toBe("a literal %20 in the name\n");
    for (const bad of ["%", "100%.txt", "%E0%A4%A", "css/%zz.css"]) {
      const res = await fetch(`${server.url}/api/plugins/portal/static/${bad}`);
      expect(res.status, bad).toBe(400);
      expect(await res.json()).toEqual({ error: "bad static file path", code: "E_BAD_PATH" });
    }
  });

  // Regression: the check compared against the real path of static/ itself, so `static -> /`
  // served every file of the host.
  it("answers 404 when static/ is a link out of the plugin folder", async () => {
    for (const path of ["evillink/static/etc/passwd", "evillink/static/etc/hostname", "uplink/static/secret.txt", "uplink/static/portal/manifest.json"]) {
      const res = await fetch(`${server.url}/api/plugins/${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.json()).toEqual({ error: "no such static file", code: "E_NOT_FOUND" });
    }
  });

  it("serves through links that stay inside the plugin folder", async () => {
    for (const path of ["app.css", "alias.css"]) {
      const res = await fetch(`${server.url}/api/plugins/innerlink/static/${path}`);
      expect(res.status, path).toBe(200);
      expect(await res.text()).toBe("p { margin: 0; }\n");
    }
  });
});
