import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gk, repo } from "./support.js";

// Where a new project gets the @goatkit packages. The registry is a local one serving the
// packed tarballs for the @goatkit scope (npm_config_@goatkit:registry, as a company registry
// would be configured); everything else comes from the usual registry. Until `published` is
// set it answers 404, as registry.npmjs.org does today.
const exec = promisify(execFile);
const { version } = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

let published = false;
let registry: Server;
let registryUrl = "";
let work: string;
/** name -> { manifest (package.json), tarball bytes } */
const packages = new Map<string, { manifest: Record<string, unknown>; bytes: Buffer; file: string }>();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "gk-init-"));
  const packs = join(work, ".packs");
  await exec("pnpm", ["-r", "--filter", "./packages/*", "--filter", "!./packages/dashboard", "pack", "--pack-destination", packs], { cwd: repo });
  for (const file of await readdir(packs)) {
    const { stdout } = await exec("tar", ["-xzOf", join(packs, file), "package/package.json"]);
    const manifest = JSON.parse(stdout) as { name: string };
    packages.set(manifest.name, { manifest, bytes: await readFile(join(packs, file)), file });
  }
  registry = createServer((req, res) => {
    const url = decodeURIComponent(req.url!.slice(1));
    const tarball = [...packages.values()].find((p) => url === `-/${p.file}`);
    if (published && tarball) {
      res.writeHead(200, { "content-type": "application/octet-stream" }).end(tarball.bytes);
      return;
    }
    const pkg = packages.get(url);
    if (!published || !pkg) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":"Not found"}');
      return;
    }
    const dist = { tarball: `${registryUrl}/-/${pkg.file}`, integrity: `sha512-${createHash("sha512").update(pkg.bytes).digest("base64")}`, shasum: createHash("sha1").update(pkg.bytes).digest("hex") };
    const doc = { name: url, "dist-tags": { latest: version }, versions: { [version]: { ...pkg.manifest, dist } } };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(doc));
  });
  await new Promise<void>((r) => registry.listen(0, "127.0.0.1", () => r()));
  registryUrl = `http://127.0.0.1:${(registry.address() as AddressInfo).port}`;
}, 60_000);
afterAll(async () => {
  registry.close();
  await rm(work, { recursive: true, force: true });
});

const npmEnv = () => {
  const env: NodeJS.ProcessEnv = { ...process.env, "npm_config_@goatkit:registry": `${registryUrl}/`, npm_config_fund: "false", npm_config_audit: "false" };
  // Nothing of the monorepo may leak in: pnpm's shims set NODE_PATH to its store.
  delete env.NODE_PATH;
  return env;
};

async function init(args: string[]) {
  try {
    const { stdout, stderr } = await exec("node", ["--no-warnings", gk, "plugin", "init", ...args], {
      cwd: work,
      env: npmEnv(),
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
    const res = await init(["published", "--lang", "as"]);
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

  it("a project made while the packages are published installs them from the registry, builds and passes its test", async () => {
    published = true;
    const project = join(work, "published");
    const env = npmEnv();
    const install = await exec("npm", ["install"], { cwd: project, env });
    expect(install.stderr).not.toMatch(/npm error/);
    // What npm installed is the tarball this registry served (npm's lockfile omits its URL).
    const lock = JSON.parse(await readFile(join(project, "package-lock.json"), "utf8")) as { packages: Record<string, { integrity?: string }> };
    for (const name of ["@goatkit/sdk", "@goatkit/host", "@goatkit/cli"]) {
      expect(lock.packages[`node_modules/${name}`]!.integrity).toBe(`sha512-${createHash("sha512").update(packages.get(name)!.bytes).digest("base64")}`);
    }
    const build = await exec("npm", ["run", "build"], { cwd: project, env });
    expect(build.stdout).toMatch(/build\/plugin\.wasm: core module/);
    const test = await exec("npm", ["test"], { cwd: project, env });
    expect(`${test.stdout}${test.stderr}`).toMatch(/3 passed/);
  }, 300_000);

  it("refuses what it cannot do, naming the choices", async () => {
    expect(await init(["x-deps", "--deps", "git"])).toMatchObject({ code: 2, stderr: 'gk: --deps must be "registry" (npm) or "local" (tarballs of the packages this gk runs with), not "git"\n' });
    expect(await init(["x-grpc", "--runtime", "grpc", "--lang", "as"])).toMatchObject({
      code: 2,
      stderr: "gk: a gRPC plugin is a process, which AssemblyScript does not build; use --lang ts with --runtime grpc (or any language with the .proto, see docs/grpc.md)\n",
    });
    expect(await init(["x-rt", "--runtime", "native"])).toMatchObject({ code: 2, stderr: 'gk: --runtime must be "wasm" or "grpc", not "native"\n' });
    expect(existsSync(join(work, "x-grpc"))).toBe(false);
    const again = await init(["published", "--deps", "registry"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`gk: ${join(work, "published")} already exists and is not empty; choose another name or --dir\n`);
  }, 60_000);

  // A cache that outlives an edit makes the edit seem not to apply: the scaffolds keep counts briefly.
  it("the scaffolds cache the ticket counts for 5 s at most", async () => {
    for (const [name, lang, file] of [["brief-cache-ts", "ts", "src/index.ts"], ["brief-cache-as", "as", "assembly/index.ts"]] as const) {
      expect((await init([name, "--lang", lang, "--deps", "local"])).code).toBe(0);
      const source = await readFile(join(work, name, file), "utf8");
      const ttl = /host\.cacheSet\("counts", [^;]*, (\d+)\)/.exec(source)?.[1];
      expect(Number(ttl), file).toBeLessThanOrEqual(5);
    }
  }, 60_000);
});
