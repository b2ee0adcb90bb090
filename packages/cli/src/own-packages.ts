/**
 * The @goatkit packages this `gk` runs with: where they are installed, whether the npm registry
 * has them, and tarballs of them, so a new plugin project can depend on exactly what `gk` uses
 * before (or without) the packages being published.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { GkError } from "./errors.js";

const exec = promisify(execFile);

/** What a plugin project depends on; the CLI too, so `npx gk` works inside the project. */
export const OWN_PACKAGES = ["@goatkit/cli", "@goatkit/host", "@goatkit/sdk"] as const;
export type OwnPackage = (typeof OWN_PACKAGES)[number];

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
}

const require = createRequire(import.meta.url);

/** The version of this `gk` (and, released together, of the SDK and host it depends on). */
export const OWN_VERSION = (require("../package.json") as PackageJson).version;

/** The folder each package is installed in, as this `gk` resolves it. */
export function ownPackageDirs(): Record<OwnPackage, string> {
  return {
    "@goatkit/cli": dirname(require.resolve("../package.json")),
    "@goatkit/sdk": dirname(require.resolve("@goatkit/sdk/package.json")),
    "@goatkit/host": dirname(require.resolve("@goatkit/host/package.json")),
  };
}

/**
 * Whether the registry npm is configured with serves every package at this `gk`'s version.
 * Asks through `npm view`, so .npmrc registries, scopes and proxies apply; no answer counts as no.
 */
export async function registryHasOwnPackages(): Promise<boolean> {
  const answers = await Promise.all(
    OWN_PACKAGES.map((name) =>
      exec("npm", ["view", `${name}@${OWN_VERSION}`, "version", "--json"], { timeout: 15_000 }).then(
        ({ stdout }) => stdout.trim() !== "",
        () => false,
      ),
    ),
  );
  return answers.every(Boolean);
}

/** The file name `npm pack` and `pnpm pack` give a package's tarball. */
export function tarballName(name: OwnPackage, version = OWN_VERSION): string {
  return `${name.replace(/^@/, "").replace("/", "-")}-${version}.tgz`;
}

/**
 * Packs each package into `dest` and returns the tarballs' paths. An installed package is packed
 * with `npm pack`; a workspace checkout (dependencies `workspace:*`) with `pnpm pack`, which
 * rewrites those to the versions npm can install.
 */
export async function packOwnPackages(dest: string): Promise<Record<OwnPackage, string>> {
  await mkdir(dest, { recursive: true });
  const dirs = ownPackageDirs();
  const entries = await Promise.all(
    OWN_PACKAGES.map(async (name) => {
      const dir = dirs[name];
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageJson;
      const inWorkspace = Object.values(pkg.dependencies ?? {}).some((spec) => spec.startsWith("workspace:"));
      const [command, args, cwd] = inWorkspace ? ["pnpm", ["pack", "--pack-destination", dest], dir] : ["npm", ["pack", dir, "--pack-destination", dest, "--silent"], dest];
      try {
        await exec(command, args, { cwd, timeout: 120_000 });
      } catch (error) {
        const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
        const fix = inWorkspace && (error as { code?: unknown }).code === "ENOENT" ? "install pnpm (npm install -g pnpm)" : "check that gk is installed completely, or use --deps registry";
        throw new GkError(`packing ${name} from ${dir} failed: ${detail}. Fix: ${fix}`);
      }
      const tarball = join(dest, tarballName(name, pkg.version));
      if (!existsSync(tarball)) throw new GkError(`packing ${name} from ${dir} wrote no ${tarballName(name, pkg.version)}. Fix: check that gk is installed completely, or use --deps registry`);
      return [name, tarball] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<OwnPackage, string>;
}
