import { chmod, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { formatBytes, limitsWith } from "./layout.js";
import { PackageError } from "./package-error.js";
import { readPackage, type PluginPackage, type ReadPackageOptions } from "./read-package.js";

export interface ExtractOptions extends ReadPackageOptions {
  /** Replace an existing target folder (atomically: the old folder stays until the new one is complete). Default false. */
  replace?: boolean;
}

/** An extracted package: the checked package, and the folder it is in. */
export interface ExtractResult extends PluginPackage {
  /** The plugin folder, ready for `host.load(dir)`. */
  dir: string;
}

/**
 * Checks a package (a `.zip` path or its bytes) and extracts it into `targetDir`. Every check
 * runs before anything is written; files are written into a fresh folder beside the target and
 * renamed into place, so a refused or failed extraction leaves nothing behind.
 *
 * @example
 * const { dir, warnings } = await extractPackage("faq-1.0.0.zip", "plugins/faq", { trust: { policy: "require", trustedKeys } });
 * await host.load(dir);
 */
export async function extractPackage(source: string | Uint8Array, targetDir: string, options: ExtractOptions = {}): Promise<ExtractResult> {
  const label = options.label ?? (typeof source === "string" ? basename(source) : "the package");
  const bytes = typeof source === "string" ? await readPackageFile(source, label, options) : source;
  const pkg = readPackage(bytes, { ...options, label });

  const target = resolve(targetDir);
  const existing = await stat(target).catch(() => null);
  if (existing && !options.replace) {
    throw new PackageError("E_TARGET_EXISTS", `cannot extract ${label} into ${target}: it already exists`, "remove it, choose another folder, or pass replace: true to swap it for the new plugin");
  }
  if (existing && !existing.isDirectory()) throw new PackageError("E_TARGET_EXISTS", `cannot extract ${label} into ${target}: it is a file`, "choose a folder path");

  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  // Beside the target, so the final rename stays on one file system and is atomic.
  const staging = await mkdtemp(join(parent, `.${basename(target)}.extracting-`));
  try {
    for (const [name, data] of pkg.files) {
      const path = join(staging, ...name.split("/"));
      const inside = relative(staging, path);
      // Names were checked already; this guards the join itself.
      if (inside === "" || inside === ".." || inside.startsWith(`..${sep}`) || isAbsolute(inside)) throw new PackageError("E_PACKAGE_UNSAFE", `${label}: entry ${JSON.stringify(name)} resolves outside the target folder`, "do not install this package");
      await mkdir(dirname(path), { recursive: true });
      // "wx" refuses to follow or overwrite anything already at the path.
      // A gRPC plugin's executable must run; everything else is data.
      const executable = pkg.manifest.runtime === "grpc" && name === pkg.manifest.grpc?.binary.replace(/^(\.\/)+/, "");
      await writeFile(path, data, { flag: "wx", mode: executable ? 0o755 : 0o644 });
    }
    // mkdtemp made it 0700; a gRPC plugin running as its own user must enter it (docs/grpc.md, Security).
    await chmod(staging, 0o755);
    await swapInto(staging, target, Boolean(existing));
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  return { ...pkg, dir: target };
}

async function readPackageFile(path: string, label: string, options: ReadPackageOptions): Promise<Uint8Array> {
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) throw new PackageError("E_PACKAGE_INVALID", `${path}: no such package file`, "check the path");
  const limits = limitsWith(options.limits);
  // Checked before reading, so a huge file is never loaded into memory.
  if (info.size > limits.maxPackageBytes) {
    throw new PackageError("E_PACKAGE_UNSAFE", `${label} is ${formatBytes(info.size)}, more than the limit of ${formatBytes(limits.maxPackageBytes)}`, "make the package smaller (keep large media out of static/), or raise maxPackageBytes if this package is trusted");
  }
  return new Uint8Array(await readFile(path));
}

async function swapInto(staging: string, target: string, replace: boolean): Promise<void> {
  if (!replace) {
    await rename(staging, target);
    return;
  }
  const old = `${staging}.old`;
  await rename(target, old);
  try {
    await rename(staging, target);
  } catch (error) {
    await rename(old, target);
    throw error;
  }
  await rm(old, { recursive: true, force: true });
}
