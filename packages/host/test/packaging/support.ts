import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { unzipSync, zipSync, type ZipOptions } from "fflate";
import { createIntegrity } from "../../src/packaging/index.js";

/** The AssemblyScript fixture: manifest.json (module at build/plugin.wasm) and its built module. */
export const FIXTURE_DIR = new URL("../../../../fixtures/as-kitchen-sink/", import.meta.url).pathname;

const temps: string[] = [];

/** A fresh temp folder, removed by `removeTemps`. */
export async function tempDir(prefix = "goatkit-packages-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

export async function removeTemps(): Promise<void> {
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** Writes files (path → text or bytes) under a folder, creating folders as needed. */
export async function writeTree(root: string, files: Record<string, string | Uint8Array>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const path = join(root, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
}

/** Every file under a folder, path → bytes, with `/` separators. */
export async function readTree(root: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  async function walk(dir: string) {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else out.set(relative(root, path).split("\\").join("/"), await readFile(path));
    }
  }
  if (await stat(root).catch(() => null)) await walk(root);
  return out;
}

/** Every path (files and folders) under a folder, sorted: to show that nothing was written. */
export async function listTree(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string) {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      out.push(relative(root, path) + (entry.isDirectory() ? "/" : ""));
      if (entry.isDirectory()) await walk(path);
    }
  }
  await walk(root);
  return out.sort();
}

/**
 * A copy of the kitchen-sink fixture with templates, static files, translations and a README,
 * as an author's plugin folder would look (plus sources that must not be packed).
 */
export async function kitchenSinkFolder(): Promise<string> {
  const dir = await tempDir("goatkit-kitchen-sink-");
  await copyFile(join(FIXTURE_DIR, "manifest.json"), join(dir, "manifest.json"));
  await mkdir(join(dir, "build"));
  await copyFile(join(FIXTURE_DIR, "build/plugin.wasm"), join(dir, "build/plugin.wasm"));
  await writeTree(dir, {
    "README.md": "# Kitchen sink\n",
    "templates/kitchen-sink/index.html": "<h1>{{ title }}</h1>\n",
    "static/kitchen-sink.css": ".kitchen-sink { color: teal; }\n",
    "static/img/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>\n',
    "static/.DS_Store": "junk",
    "i18n/en.yaml": "widget:\n  title: Kitchen Sink\ngreeting: Hello\n",
    "i18n/de.yaml": "widget:\n  title: Küchenspüle\n",
    "assembly/index.ts": "// sources stay out of the package\n",
    "package.json": "{}\n",
  });
  return dir;
}

/** A small valid manifest whose module is plugin.wasm. */
export const MINIMAL_MANIFEST = JSON.stringify({ name: "tiny", version: "1.0.0" }, null, 2);
/** The smallest valid WebAssembly module (magic and version). */
export const EMPTY_WASM = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

/**
 * A zip built by hand: the given entries plus, unless `integrity: false`, a correct
 * goatkit-integrity.json over all of them, so only the check under test can refuse it.
 */
export function handMadePackage(entries: Record<string, Uint8Array | string | [Uint8Array | string, ZipOptions]>, options: { integrity?: boolean; base?: boolean } = {}): Uint8Array {
  const files = new Map<string, [Uint8Array, ZipOptions]>();
  const add = (name: string, value: Uint8Array | string | [Uint8Array | string, ZipOptions]) => {
    const [data, opts] = Array.isArray(value) ? value : [value, {}];
    files.set(name, [typeof data === "string" ? new TextEncoder().encode(data) : data, opts]);
  };
  if (options.base !== false) {
    add("manifest.json", MINIMAL_MANIFEST);
    add("plugin.wasm", EMPTY_WASM);
  }
  for (const [name, value] of Object.entries(entries)) add(name, value);
  if (options.integrity !== false) {
    const record = createIntegrity(new Map([...files].map(([name, [data]]) => [name, data])));
    add("goatkit-integrity.json", `${JSON.stringify(record, null, 2)}\n`);
  }
  return zipSync(Object.fromEntries(files));
}

/** Re-zips a package after `edit` changed its entries (without updating the integrity file). */
export function rezip(zip: Uint8Array, edit: (files: Record<string, Uint8Array>) => void): Uint8Array {
  const files = unzipSync(zip);
  edit(files);
  return zipSync(files);
}

/** Replaces every occurrence of one byte string by another of the same length (entry names in headers). */
export function patchBytes(zip: Uint8Array, from: string, to: string): Uint8Array {
  const a = new TextEncoder().encode(from);
  const b = new TextEncoder().encode(to);
  if (a.length !== b.length) throw new Error("patchBytes needs strings of equal length");
  const out = zip.slice();
  let count = 0;
  for (let i = 0; i + a.length <= out.length; i++) {
    if (a.every((byte, j) => out[i + j] === byte)) {
      out.set(b, i);
      count++;
    }
  }
  if (count === 0) throw new Error(`${from} not found`);
  return out;
}

/** Sets the declared uncompressed size of an entry in the central directory (and local header). */
export function patchDeclaredSize(zip: Uint8Array, name: string, size: number): Uint8Array {
  const out = zip.slice();
  const view = new DataView(out.buffer);
  const nameBytes = new TextEncoder().encode(name);
  const matches = (at: number) => nameBytes.every((byte, j) => out[at + j] === byte);
  let patched = 0;
  for (let at = 0; at + 4 <= out.length; at++) {
    const signature = view.getUint32(at, true);
    if (signature === 0x02014b50 && view.getUint16(at + 28, true) === nameBytes.length && matches(at + 46)) {
      view.setUint32(at + 24, size, true);
      patched++;
    } else if (signature === 0x04034b50 && view.getUint16(at + 26, true) === nameBytes.length && matches(at + 30)) {
      view.setUint32(at + 22, size, true);
      patched++;
    }
  }
  if (patched === 0) throw new Error(`${name} not found`);
  return out;
}
