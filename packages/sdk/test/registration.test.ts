import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { ManifestError, validateManifest, type Manifest } from "../src/manifest/index.js";
import { checkRegistration, goDurationMs, manifestFromRegistration, parseRegistration, type Registration } from "../src/registration/index.js";

const seed004 = readFileSync(fileURLToPath(new URL("./fixtures/manifests/seed-004-my-plugin.registration.json", import.meta.url)), "utf8");

/** The manifest an administrator approved for seed 004's plugin. */
function manifest(): Manifest {
  return {
    name: "my-plugin",
    version: "1.0.0",
    routes: [{ method: "GET", path: "/api/plugins/my-plugin/items/:id", handler: "get_item" }],
    widgets: [{ id: "my-widget", title: "Mine", handler: "render_widget", location: "agent_home", size: "small" }],
    jobs: [{ id: "nightly", schedule: "0 3 * * *", handler: "nightly_job" }],
    permissions: ["db:read", "cache:read", "my_plugin.view"],
  };
}

const allExports = ["memory", "gk_alloc", "gk_register", "get_item", "render_widget", "nightly_job", "calculate_something", "before_render", "after_save"];

function registration(extra: Partial<Registration> = {}): Registration {
  return { name: "my-plugin", version: "1.0.0", ...extra };
}

describe("parseRegistration", () => {
  it("parses seed 004's gk_register example", () => {
    const parsed = parseRegistration(seed004);
    expect(parsed).toMatchObject({ name: "my-plugin", version: "1.0.0", runtime: "wasm", hooks: ["before_render", "after_save"], permissions: ["my_plugin.view", "my_plugin.edit"] });
    expect(parsed.functions?.[0]).toEqual({ name: "calculate_something", args: [{ name: "input", type: "string" }], returns: "json", description: "Calculates something useful" });
  });

  it("reports invalid JSON with its position", () => {
    expect(() => parseRegistration('{"name": "x",')).toThrowError(/^gk_register: the gk_register result is not valid JSON: .* at line 1, column \d+/);
    try {
      parseRegistration("{");
    } catch (error) {
      expect(error).toBeInstanceOf(ManifestError);
      expect((error as ManifestError).code).toBe("E_REGISTRATION_INVALID");
    }
  });

  it("reports a wrong shape, naming each field", () => {
    expect(() => parseRegistration("[1, 2]")).toThrowError("gk_register must return a JSON object, got a list");
    let error: ManifestError | undefined;
    try {
      parseRegistration('{"name": "my-plugin", "routes": [{"method": "get", "path": "/x", "handler": "h"}], "hooks": [1]}');
    } catch (e) {
      error = e as ManifestError;
    }
    expect(error?.issues.map((i) => i.path)).toEqual(["version", "routes[0].method", "hooks[0]"]);
    expect(error?.message).toContain('gk_register: routes[0].method: method "get" must be upper case. Fix: use upper case: "GET"');
  });
});

describe("checkRegistration", () => {
  it("merges seed 004's registration into its manifest", () => {
    const check = checkRegistration(manifest(), parseRegistration(seed004), allExports);
    expect(check.issues).toEqual([]);
    expect(check.ok).toBe(true);
    expect(check.manifest.functions.map((f) => f.name)).toEqual(["calculate_something"]);
    expect(check.manifest.hooks).toEqual(["before_render", "after_save"]);
    expect(check.manifest.menu_items).toEqual([{ label: "My Feature", path: "/admin/my-feature", icon: "star" }]);
    expect(check.manifest.permissions).toEqual(["db:read", "cache:read", "my_plugin.view", "my_plugin.edit"]);
    expect(check.manifest.routes).toEqual(manifest().routes);
  });

  it("does not change the manifest passed in", () => {
    const approved = manifest();
    const before = structuredClone(approved);
    checkRegistration(approved, parseRegistration(seed004));
    expect(approved).toEqual(before);
  });

  it("requires the manifest's name and version", () => {
    const check = checkRegistration(manifest(), registration({ name: "my-plugin-dev", version: "1.0.1" }));
    expect(check.ok).toBe(false);
    expect(check.issues).toEqual([
      expect.objectContaining({
        path: "gk_register.name",
        message: 'gk_register returned name "my-plugin-dev" but the manifest\'s name is "my-plugin"',
        fix: 'make gk_register return the manifest\'s name ("my-plugin")',
      }),
      expect.objectContaining({ path: "gk_register.version", message: expect.stringContaining('"1.0.1"') as string, fix: 'make gk_register return the manifest\'s version ("1.0.0")' }),
    ]);
  });

  it("refuses capabilities the manifest does not grant and adds plugin permissions", () => {
    const check = checkRegistration(manifest(), registration({ permissions: ["db:read", "http:external", "db:write:ticket", "my_plugin.edit"] }));
    expect(check.ok).toBe(false);
    const errors = check.issues.filter((i) => i.severity === "error");
    expect(errors.map((e) => e.path)).toEqual(["gk_register.permissions[1]", "gk_register.permissions[2]"]);
    expect(errors[0]!.message).toBe('gk_register asks for "http:external", which the manifest does not grant');
    expect(errors[0]!.fix).toContain('add "http:external" to the manifest\'s permissions');
    expect(check.manifest.permissions).toEqual(["db:read", "cache:read", "my_plugin.view", "my_plugin.edit"]);
  });

  it("rejects an unknown capability in the registration", () => {
    const check = checkRegistration(manifest(), registration({ permissions: ["db:delete"] }));
    expect(check.issues).toEqual([expect.objectContaining({ path: "gk_register.permissions[0]", message: 'permission "db:delete" is not a capability', severity: "error" })]);
  });

  it("accepts routes, widgets and jobs that repeat the manifest", () => {
    const check = checkRegistration(
      manifest(),
      registration({
        routes: [{ method: "GET", path: "/items/:item", handler: "get_item" }],
        widgets: [{ id: "my-widget", title: "Mine", handler: "render_widget", location: "agent_home", size: "small" }],
        jobs: [{ id: "nightly", schedule: "0 3 * * *", handler: "nightly_job" }],
      }),
      allExports,
    );
    expect(check.issues).toEqual([]);
  });

  it("refuses routes, widgets and jobs the manifest does not declare", () => {
    const check = checkRegistration(
      manifest(),
      registration({
        routes: [{ method: "DELETE", path: "/api/plugins/my-plugin/items/:id", handler: "delete_item" }],
        widgets: [{ id: "secret-widget", title: "S", handler: "render_widget", location: "admin_home", size: "large" }],
        jobs: [{ id: "every-minute", schedule: "* * * * *", handler: "nightly_job" }],
      }),
    );
    expect(check.ok).toBe(false);
    expect(check.issues.map((i) => [i.path, i.message])).toEqual([
      ["gk_register.routes[0]", "gk_register lists route DELETE /api/plugins/my-plugin/items/:id, which the manifest does not declare"],
      ["gk_register.widgets[0]", 'gk_register lists widget "secret-widget", which the manifest does not declare'],
      ["gk_register.jobs[0]", 'gk_register lists job "every-minute", which the manifest does not declare'],
    ]);
    expect(check.issues[0]!.fix).toContain("add it to the manifest's routes");
    expect(check.manifest.routes).toHaveLength(1);
  });

  it("refuses a repeated route or job whose handler differs, and warns about other differences", () => {
    const check = checkRegistration(
      manifest(),
      registration({
        routes: [{ method: "GET", path: "/api/plugins/my-plugin/items/:id", handler: "fetch_item" }],
        jobs: [{ id: "nightly", schedule: "0 4 * * *", handler: "nightly_job" }],
      }),
    );
    expect(check.issues.map((i) => [i.path, i.severity])).toEqual([
      ["gk_register.routes[0].handler", "error"],
      ["gk_register.jobs[0].schedule", "warning"],
    ]);
  });

  it("adds functions, hooks and menu items only the module declares", () => {
    const check = checkRegistration(
      { ...manifest(), functions: [{ name: "calculate_something", returns: "json" }], hooks: [{ event: "before_render", handler: "before_render" }] },
      parseRegistration(seed004),
      allExports,
    );
    expect(check.issues).toEqual([]);
    expect(check.manifest.functions).toEqual([{ name: "calculate_something", args: [{ name: "input", type: "string" }], returns: "json", description: "Calculates something useful" }]);
    expect(check.manifest.hooks).toEqual([{ event: "before_render", handler: "before_render" }, "after_save"]);
  });

  it("requires functions, hooks and menu items declared in both to agree", () => {
    const check = checkRegistration(
      {
        ...manifest(),
        functions: [{ name: "calculate_something", returns: "string" }],
        hooks: [{ event: "after_save", handler: "on_after_save" }],
        menu_items: [{ label: "Feature", path: "/admin/my-feature" }],
      },
      parseRegistration(seed004),
    );
    expect(check.ok).toBe(false);
    expect(check.issues.map((i) => i.path)).toEqual(["gk_register.functions[0].returns", "gk_register.hooks[1].handler", "gk_register.menu_items[0].label"]);
    expect(check.issues[0]!.message).toBe('functions["calculate_something"]: gk_register says returns "json" but the manifest says "string"');
    expect(check.issues[1]!.message).toContain('"after_save"');
  });

  it("requires every handler to be exported by the module", () => {
    const exports = allExports.filter((name) => name !== "render_widget" && name !== "after_save");
    const check = checkRegistration(manifest(), parseRegistration(seed004), exports);
    expect(check.ok).toBe(false);
    expect(check.issues).toEqual([
      {
        path: "widgets[0].handler",
        message: 'handler "render_widget" (named by widgets[0].handler) is not exported by the module',
        fix: "export a function named render_widget from the plugin or fix the handler name",
        severity: "error",
      },
      {
        path: "gk_register.hooks[1]",
        message: 'handler "after_save" (named by gk_register.hooks[1]) is not exported by the module',
        fix: "export a function named after_save from the plugin or fix the handler name",
        severity: "error",
      },
    ]);
  });

  it("checks the names of handlers only the registration declares", () => {
    const check = checkRegistration(manifest(), registration({ functions: [{ name: "gk_helper" }] }));
    expect(check.issues).toEqual([expect.objectContaining({ path: "gk_register.functions[0].name", severity: "error", message: expect.stringContaining("reserved for the ABI") as string })]);
  });

  it("refuses a different runtime or ABI and warns about unknown fields", () => {
    const check = checkRegistration(manifest(), { ...registration({ runtime: "grpc", abi: 2 }), menu: [] } as Registration);
    expect(check.issues.map((i) => [i.path, i.severity])).toEqual([
      ["gk_register.runtime", "error"],
      ["gk_register.abi", "error"],
      ["gk_register.menu", "warning"],
    ]);
    expect(check.issues[2]!.fix).toBe('did you mean "menu_items"?');
  });
});

describe("manifestFromRegistration", () => {
  it("validates a registration as a manifest when no manifest file exists", () => {
    const result = manifestFromRegistration({ ...parseRegistration(seed004), abi: 1 });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.manifest).toMatchObject({ name: "my-plugin", runtime: "wasm", permissions: ["my_plugin.view", "my_plugin.edit"] });
  });
});

describe("manifestFromRegistration with GoatFlow's registration (GKRegistration)", () => {
  const stats = {
    name: "stats",
    version: "1.0.0",
    author: "GoatFlow",
    license: "Apache-2.0",
    routes: [{ method: "GET", path: "/stats", handler: "stats_page", middleware: ["auth"], description: "the stats page" }],
    menu_items: [{ id: "stats", label: "Stats", path: "/stats" }],
    widgets: [{ id: "stats_overview", title: "Overview", handler: "overview", location: "dashboard", size: "large", refreshable: true, refresh_sec: 60, order: 2 }],
    jobs: [
      { id: "stats_refresh", handler: "refresh", schedule: "*/5 * * * *", enabled: true, timeout: "1m30s" },
      { id: "stats_off", handler: "refresh", schedule: "0 * * * *" },
    ],
    i18n: { namespace: "stats", languages: ["en"] },
  };

  it("accepts the real field names and values, and grants GoatFlow's default policy", () => {
    const result = manifestFromRegistration(stats as unknown as Registration);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.manifest).toMatchObject({
      name: "stats",
      permissions: ["db:read", "cache:read", "cache:write"],
      routes: [{ method: "GET", path: "/stats", handler: "stats_page", description: "the stats page" }],
      widgets: [{ id: "stats_overview", title: "Overview", handler: "overview", location: "agent_home", size: "large", refresh_seconds: 60 }],
      jobs: [{ id: "stats_refresh", handler: "refresh", schedule: "*/5 * * * *", timeout_ms: 90_000 }],
    });
  });

  it("keeps declared permissions instead of the default", () => {
    const result = manifestFromRegistration({ ...stats, permissions: ["db:read"] } as unknown as Registration);
    expect(result.ok && result.manifest.permissions).toEqual(["db:read"]);
  });

  it("reads Go durations", () => {
    expect([goDurationMs("5m"), goDurationMs("1h30m"), goDurationMs("250ms"), goDurationMs("five")]).toEqual([300_000, 5_400_000, 250, null]);
  });
});

describe("docs/registration.md", () => {
  it("its example merges as the page says", () => {
    const doc = readFileSync(fileURLToPath(new URL("../../../docs/registration.md", import.meta.url)), "utf8");
    const [registrationJson] = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const [manifestYaml] = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(JSON.parse(registrationJson!)).toEqual(JSON.parse(seed004));
    const approved = validateManifest(parseYaml(manifestYaml!));
    expect(approved.ok).toBe(true);
    if (!approved.ok) return;
    const check = checkRegistration(approved.manifest, parseRegistration(registrationJson!), ["get_item", "calculate_something", "before_render", "after_save"]);
    expect(check.issues).toEqual([]);
    expect(check.manifest.permissions).toEqual(["db:read", "my_plugin.view", "my_plugin.edit"]);
    expect(checkRegistration(approved.manifest, parseRegistration(registrationJson!), ["get_item"]).ok).toBe(false);
  });
});
