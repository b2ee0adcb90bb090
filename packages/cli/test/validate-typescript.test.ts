import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repo, run } from "./support.js";

// A TypeScript plugin's module is a script, not imports: validate reads the host functions it
// calls from its code, as it reads a core module's imports, and checks them against the manifest.
describe("gk plugin validate checks a TypeScript plugin's permissions", () => {
  let dir: string;
  const manifest = (permissions: string[]) => ({
    name: "caller",
    version: "1.0.0",
    wasm: "build/plugin.wasm",
    permissions,
    ...(permissions.includes("http:external") ? { http: { allowed_hosts: ["api.example.com"] } } : {}),
    routes: [{ method: "GET", path: "/api/plugins/caller/go", handler: "go" }],
  });
  const write = async (permissions: string[]) => {
    await writeFile(join(dir, "manifest.json"), JSON.stringify(manifest(permissions)));
    expect((await run(["plugin", "build", dir], dir)).code).toBe(0);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gk-validate-ts-"));
    await mkdir(join(dir, "node_modules", "@goatkit"), { recursive: true });
    await symlink(join(repo, "packages/sdk"), join(dir, "node_modules", "@goatkit", "sdk"), "dir");
    await symlink(join(repo, "node_modules/typescript"), join(dir, "node_modules", "typescript"), "dir");
    await mkdir(join(dir, "src"));
    await writeFile(join(dir, "src/mail.ts"), `import { host } from "@goatkit/sdk/guest";\n\nconst { sendEmail } = host;\n\nexport const notify = (to: string) => sendEmail(to, "hi", "hello");\n`);
    await writeFile(
      join(dir, "src/index.ts"),
      `import { definePlugin, host, Registration } from "@goatkit/sdk/guest";
import { notify } from "./mail.js";

const h = host;

export default definePlugin({
  register: new Registration("caller", "1.0.0"),
  handlers: {
    go: () => {
      notify("ada@example.com");
      return h.httpRequest("GET", "https://api.example.com/").body;
    },
  },
});
`,
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("refuses a host call the manifest does not grant, naming the line and the fix", async () => {
    await write([]);
    const result = await run(["plugin", "validate", dir], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('src/index.ts:11:16: permissions: the plugin calls host.httpRequest, which needs "http:external". Fix: add "http:external" to manifest.permissions');
    expect(result.stderr).toContain('src/mail.ts:3:9: permissions: the plugin calls host.sendEmail, which needs "email:send". Fix: add "email:send" to manifest.permissions');
  }, 60_000);

  it("passes once they are granted, and warns about a permission the code never uses", async () => {
    await write(["http:external", "email:send", "cache:read"]);
    const result = await run(["plugin", "validate", dir], dir);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`"cache:read" is declared but the plugin's code never calls a host function that needs it`);
    expect(result.stdout).not.toContain(`"email:send" is declared but`);
  }, 60_000);
});
