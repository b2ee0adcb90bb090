import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost, type Host } from "../src/index.js";
import { watPlugin } from "./platform/support/wat-plugin.js";
import { pluginDir } from "./support/plugin-dir.js";

describe("translations in the request envelope", () => {
  let host: Host;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const dir = await pluginDir({ name: "greeter", version: "1.0.0" }, watPlugin("greeter", "1.0.0", { echo: { echo: true } }));
    cleanup = dir.cleanup;
    await mkdir(join(dir.dir, "i18n"));
    await writeFile(join(dir.dir, "i18n/en.yaml"), "greeting: Hello\nfarewell: Goodbye\n");
    await writeFile(join(dir.dir, "i18n/de.yaml"), "greeting: Hallo\n");
    host = await createHost({ database: { demo: { tickets: 5 } } });
    await host.load(dir.dir);
  });
  afterAll(async () => {
    await host.close();
    await cleanup();
  });

  it("carries the strings of the request's locale, falling back per key to its language and to en", async () => {
    const envelope = JSON.parse(String((await host.call("greeter", "echo", { locale: "de-AT" })).body));
    expect(envelope.i18n).toEqual({ greeting: "Hallo", farewell: "Goodbye" });
    const english = JSON.parse(String((await host.call("greeter", "echo", {})).body));
    expect(english.i18n).toEqual({ greeting: "Hello", farewell: "Goodbye" });
  });
});
