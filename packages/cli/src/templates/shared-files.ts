/**
 * Where a new plugin gets the @goatkit packages: `registry` specs (`^0.1.0`) once they are
 * published, or `local` tarballs in vendor/ packed from the packages `gk` itself runs with.
 */
export interface GoatKitDependencies {
  source: "registry" | "local";
  /** devDependencies entries for @goatkit/sdk, @goatkit/host and @goatkit/cli. */
  specs: Record<string, string>;
  version: string;
}

/** The README paragraph saying where the @goatkit packages come from and how to switch. */
export function dependenciesNote(deps: GoatKitDependencies): string {
  const names = Object.keys(deps.specs);
  if (deps.source === "registry") return "";
  return `
The @goatkit packages come from the tarballs in \`vendor/\` (packed by \`gk plugin init --deps local\`
from the packages that \`gk\` was installed with), so \`npm install\` works before they are on the
registry. Keep \`vendor/\` with the project. Once the registry has them, switch with
\`npm install -D ${names.map((n) => `${n}@^${deps.version}`).join(" ")}\` and delete \`vendor/\`.
`;
}

/**
 * What stays out of git: installs, build output, gk dev's demo database, packed zips, and the
 * private key `gk plugin keygen` writes into the project.
 */
export const GITIGNORE = "node_modules/\nbuild/\n.goatkit/\n*.zip\n*.key\n";

/** The table every new plugin owns (its migration creates it). */
export function notesTable(name: string): string {
  return `${name.replace(/-/g, "_")}_notes`;
}

/**
 * The manifest every new plugin starts with, whatever its language: a route reading the demo
 * help desk, one writing the plugin's own table, a widget. `build` says where the module comes from.
 */
export function pluginManifest(name: string, build: Record<string, unknown>): string {
  const manifest = {
    name,
    version: "0.1.0",
    description: `The ${name} plugin`,
    ...build,
    routes: [
      { method: "GET", path: `/api/plugins/${name}/counts`, handler: "get_counts", middleware: ["auth"], description: "Ticket counts by state" },
      { method: "POST", path: `/api/plugins/${name}/notes`, handler: "add_note", middleware: ["auth"], description: "Stores a note" },
    ],
    widgets: [{ id: `${name}-counts`, title: "Ticket counts", handler: "render_widget", location: "agent_home", size: "small" }],
    permissions: ["db:read", "db:write", "cache:read", "cache:write"],
    migrations: [{ id: "001_create_notes", up: `CREATE TABLE ${notesTable(name)} (id INTEGER PRIMARY KEY, body TEXT NOT NULL)` }],
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** The test every new plugin starts with: it runs the plugin in the real host on a demo help desk. */
export function pluginTest(name: string, options: { process?: boolean } = {}): string {
  // A process plugin runs as the test's user: as root, the host would give it a user of its own,
  // which cannot enter a project under /root (docs/grpc.md, Security).
  const hostOptions = options.process ? `{ database: { demo: { tickets: 200, anchorDay: "2026-01-31" } }, grpc: { runAs: "host-user" } }` : `{ database: { demo: { tickets: 200, anchorDay: "2026-01-31" } } }`;
  return `import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost, type Host } from "@goatkit/host";

// The plugin runs in the real host, on the embedded demo help desk.
describe("${name}", () => {
  let host: Host;
  beforeAll(async () => {
    host = await createHost(${hostOptions});
    await host.load(new URL("..", import.meta.url).pathname);
  }, 60_000); // a TypeScript component compiles a 12 MB engine on load: seconds on a busy machine
  afterAll(() => host.close());

  it("counts tickets by state", async () => {
    const res = await host.call("${name}", "get_counts");
    expect(res.status).toBe(200);
    const counts = JSON.parse(String(res.body)) as { state: string; count: number }[];
    expect(counts.reduce((n, c) => n + c.count, 0)).toBe(200);
  });

  it("stores a note", async () => {
    const res = await host.call("${name}", "add_note", { method: "POST", body: "hello" });
    expect(JSON.parse(String(res.body))).toEqual({ id: 1 });
  });

  it("refuses an empty note", async () => {
    const res = await host.call("${name}", "add_note", { method: "POST", body: "" });
    expect(res.status).toBe(400);
  });
});
`;
}
