import { cp, mkdir, writeFile } from "node:fs/promises";
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
});
