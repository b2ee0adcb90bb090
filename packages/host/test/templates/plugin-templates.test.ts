import { cp, mkdir, rename, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PackageSource, packPlugin } from "../../src/index.js";
import { AGENT_TOKEN, pluginsDir, startPlatform, type Platform } from "../platform/support/platform.js";

// Where a plugin's templates/ and i18n/ come from: a seed-004 zip package, and a folder whose
// plugin reloads.
const FIXTURE = new URL("../../../../fixtures/as-template-functions/", import.meta.url).pathname;
const WIDGET = "/api/plugins/template-functions/widgets/greeting?bare=1";

let platform: Platform | undefined;
let plugins: Awaited<ReturnType<typeof pluginsDir>> | undefined;

afterEach(async () => {
  await platform?.close();
  await plugins?.remove();
  platform = plugins = undefined;
});

describe("a plugin's templates", () => {
  it("render from a zip package, with its i18n/ strings", async () => {
    plugins = await pluginsDir();
    const packages = join(plugins.dir, "packages");
    await mkdir(packages);
    const packed = await packPlugin(FIXTURE);
    expect([...packed.files.keys()]).toEqual(expect.arrayContaining(["templates/greeting.html", "templates/parts/call.html", "i18n/de.yaml"]));
    await writeFile(join(packages, packed.fileName), packed.bytes);
    platform = await startPlatform({ managerOptions: { sources: [new PackageSource(packages)] } });
    const res = await platform.fetch(WIDGET, { token: AGENT_TOKEN, headers: { "accept-language": "de" } });
    const html = await res.text();
    expect(res.status, html).toBe(200);
    expect(html).toContain('<p class="greeting">Hallo, agent.smith!</p>');
    expect(html).toContain('<p class="call">from a widget 2 agent.smith de</p>');
  });

  it("are compiled once, and read again when the plugin reloads", async () => {
    plugins = await pluginsDir();
    const folder = join(plugins.dir, "template-functions");
    for (const part of ["manifest.json", "build", "templates", "i18n"]) await cp(join(FIXTURE, part), join(folder, part), { recursive: true });
    platform = await startPlatform({ managerOptions: { pluginsDir: plugins.dir } });
    const widget = async () => (await platform!.fetch(WIDGET, { token: AGENT_TOKEN })).text();
    expect(await widget()).toContain("Hello, agent.smith!");
    await writeFile(join(folder, "templates", "greeting.html"), "<p>{{ t(\"greeting\", name=name) }} (new)</p>");
    await writeFile(join(folder, "i18n", "en.yaml"), 'greeting: "Welcome, {name}!"\n');
    expect(await widget()).toContain("Hello, agent.smith!");
    await platform.server.manager.reload("template-functions");
    expect(await widget()).toBe("<p>Welcome, agent.smith! (new)</p>");
  });

  // Regression: only the path below templates/ was checked, so `templates -> /elsewhere` (or a
  // linked part) rendered files from anywhere on the host.
  describe("resolve inside the plugin folder", () => {
    const start = async (arrange: (folder: string, outside: string) => Promise<void>) => {
      plugins = await pluginsDir();
      const folder = join(plugins.dir, "template-functions");
      for (const part of ["manifest.json", "build", "templates", "i18n"]) await cp(join(FIXTURE, part), join(folder, part), { recursive: true });
      const outside = join(plugins.dir, "..", `${plugins.dir.split("/").at(-1)}-outside`);
      await cp(join(FIXTURE, "templates"), outside, { recursive: true });
      const removeAll = plugins.remove;
      plugins.remove = async () => {
        await removeAll();
        await rm(outside, { recursive: true, force: true });
      };
      await arrange(folder, outside);
      platform = await startPlatform({ managerOptions: { pluginsDir: plugins.dir } });
      const res = await platform.fetch(WIDGET, { token: AGENT_TOKEN });
      return { status: res.status, text: await res.text() };
    };

    it("refuses templates/ linked out of the plugin folder", async () => {
      const { status, text } = await start(async (folder, outside) => {
        await rm(join(folder, "templates"), { recursive: true });
        await symlink(outside, join(folder, "templates"));
      });
      expect(status, text).toBe(404);
      expect(JSON.parse(text)).toEqual({ code: "E_TEMPLATE_NOT_FOUND", error: 'template "greeting.html" of plugin "template-functions" leads outside the plugin\'s folder (through a symbolic link); templates must be files inside it' });
    });

    it("refuses an included template linked out of the plugin folder", async () => {
      const { status, text } = await start(async (folder, outside) => {
        await rm(join(folder, "templates/parts/call.html"));
        await symlink(join(outside, "parts/call.html"), join(folder, "templates/parts/call.html"));
      });
      expect(status, text).toBe(500);
      expect(JSON.parse(text)).toEqual({ code: "E_TEMPLATE", error: 'template "greeting.html": template "parts/call.html" of plugin "template-functions" leads outside its templates folder (through a symbolic link); templates must be files inside it' });
    });

    it("render through links that stay inside the plugin folder", async () => {
      const { status, text } = await start(async (folder) => {
        await rename(join(folder, "templates"), join(folder, "views"));
        await symlink("views", join(folder, "templates"));
        await rename(join(folder, "views/parts/call.html"), join(folder, "views/call-part.html"));
        await symlink("../call-part.html", join(folder, "views/parts/call.html"));
      });
      expect(status, text).toBe(200);
      expect(text).toContain("Hello, agent.smith!");
      expect(text).toContain('<p class="call">');
    });
  });
});
