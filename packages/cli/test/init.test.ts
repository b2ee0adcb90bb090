import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gk } from "./support.js";

// Where a new project gets the @goatkit packages. The registry is a local one that npm is
// pointed at (npm_config_registry), answering as the real one would for published or
// unpublished packages; `npm view` talks to it as it would to registry.npmjs.org.
const exec = promisify(execFile);
const { version } = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

let published = false;
let registry: Server;
let registryUrl = "";
let work: string;

beforeAll(async () => {
  registry = createServer((req, res) => {
    const name = decodeURIComponent(req.url!.slice(1));
    if (!published || !name.startsWith("@goatkit/")) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":"Not found"}');
      return;
    }
    const doc = { name, "dist-tags": { latest: version }, versions: { [version]: { name, version, dist: { tarball: `${registryUrl}/${name}/-/x.tgz` } } } };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(doc));
  });
  await new Promise<void>((r) => registry.listen(0, "127.0.0.1", () => r()));
  registryUrl = `http://127.0.0.1:${(registry.address() as AddressInfo).port}`;
  work = await mkdtemp(join(tmpdir(), "gk-init-"));
});
afterAll(async () => {
  registry.close();
  await rm(work, { recursive: true, force: true });
});

async function init(args: string[]) {
  try {
    const { stdout, stderr } = await exec("node", ["--no-warnings", gk, "plugin", "init", ...args], {
      cwd: work,
      // A fresh cache directory: npm must ask this registry, not answer from an earlier look-up.
      env: { ...process.env, npm_config_registry: `${registryUrl}/`, npm_config_cache: join(work, ".npm-cache") },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const devDependencies = async (project: string) => (JSON.parse(await readFile(join(work, project, "package.json"), "utf8")) as { devDependencies: Record<string, string> }).devDependencies;

describe("gk plugin init: where the @goatkit packages come from", () => {
  it("without --deps, takes local tarballs when the registry does not have the packages", async () => {
    published = false;
    const res = await init(["unpublished", "--lang", "as"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`The @goatkit packages come from vendor/: tarballs of the ones this gk runs with (the registry has no @goatkit/sdk@${version}).`);
    const deps = await devDependencies("unpublished");
    expect(deps["@goatkit/sdk"]).toBe(`file:vendor/goatkit-sdk-${version}.tgz`);
    expect(deps["@goatkit/host"]).toBe(`file:vendor/goatkit-host-${version}.tgz`);
    expect(deps["@goatkit/cli"]).toBe(`file:vendor/goatkit-cli-${version}.tgz`);
    expect((await readdir(join(work, "unpublished/vendor"))).sort()).toEqual([`goatkit-cli-${version}.tgz`, `goatkit-host-${version}.tgz`, `goatkit-sdk-${version}.tgz`]);
    // Packed from this workspace: the workspace:* specs are rewritten to versions npm installs.
    const { stdout } = await exec("tar", ["-xzOf", join(work, `unpublished/vendor/goatkit-cli-${version}.tgz`), "package/package.json"]);
    const cli = JSON.parse(stdout) as { dependencies: Record<string, string> };
    expect(cli.dependencies["@goatkit/sdk"]).toBe(version);
    expect(JSON.stringify(cli)).not.toContain("workspace:");
    expect(await readFile(join(work, "unpublished/README.md"), "utf8")).toContain("The @goatkit packages come from the tarballs in `vendor/`");
  }, 60_000);

  it("without --deps, takes the registry once it has them", async () => {
    published = true;
    const res = await init(["published", "--lang", "ts"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`The @goatkit packages come from the registry (^${version}).`);
    expect(await devDependencies("published")).toMatchObject({ "@goatkit/sdk": `^${version}`, "@goatkit/host": `^${version}`, "@goatkit/cli": `^${version}` });
    expect(existsSync(join(work, "published/vendor"))).toBe(false);
  }, 60_000);

  it("--deps registry and --deps local override the registry's answer", async () => {
    published = true;
    expect((await init(["forced-local", "--deps", "local"])).code).toBe(0);
    expect((await devDependencies("forced-local"))["@goatkit/sdk"]).toMatch(/^file:vendor\//);
    published = false;
    expect((await init(["forced-registry", "--deps", "registry"])).code).toBe(0);
    expect((await devDependencies("forced-registry"))["@goatkit/sdk"]).toBe(`^${version}`);
  }, 60_000);

  it("the scaffold carries no overrides: npm picks a @napi-rs/lzma that runs on this Node by itself", async () => {
    const pkg = JSON.parse(await readFile(join(work, "published/package.json"), "utf8")) as Record<string, unknown>;
    expect(pkg.overrides).toBeUndefined();
  });

  it("refuses what it cannot do, naming the choices", async () => {
    expect(await init(["x-deps", "--deps", "git"])).toMatchObject({ code: 2, stderr: 'gk: --deps must be "registry" (npm) or "local" (tarballs of the packages this gk runs with), not "git"\n' });
    expect(await init(["x-grpc", "--runtime", "grpc"])).toMatchObject({ code: 2, stderr: "gk: --runtime grpc: this gk has no template for process plugins yet; use --runtime wasm (the default)\n" });
    expect(await init(["x-rt", "--runtime", "native"])).toMatchObject({ code: 2, stderr: 'gk: --runtime must be "wasm" or "grpc", not "native"\n' });
    expect(existsSync(join(work, "x-grpc"))).toBe(false);
    const again = await init(["published", "--deps", "registry"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`gk: ${join(work, "published")} already exists and is not empty; choose another name or --dir\n`);
  }, 60_000);
});
