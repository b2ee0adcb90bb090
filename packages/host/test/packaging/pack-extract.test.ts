import { cp, mkdir, readFile, rm, stat, symlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { unzipSync } from "fflate";
import { afterEach, describe, expect, it } from "vitest";
import { createHost } from "../../src/index.js";
import { extractPackage, integrityDigest, packPlugin, PackageError, readPackage } from "../../src/packaging/index.js";
import { FIXTURE_DIR, handMadePackage, kitchenSinkFolder, listTree, readTree, removeTemps, tempDir, writeTree } from "./support.js";

afterEach(removeTemps);

const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

describe("packPlugin", () => {
  it("packs the seed-004 layout: manifest, plugin.wasm at the root, templates/, static/, i18n/, README, integrity", async () => {
    const dir = await kitchenSinkFolder();
    const packed = await packPlugin(dir);
    expect(packed.fileName).toBe("kitchen-sink-1.0.0.zip");
    expect(Object.keys(unzipSync(packed.bytes))).toEqual([
      "README.md",
      "goatkit-integrity.json",
      "i18n/de.yaml",
      "i18n/en.yaml",
      "manifest.json",
      "plugin.wasm",
      "static/img/logo.svg",
      "static/kitchen-sink.css",
      "templates/kitchen-sink/index.html",
    ]);
    expect(packed.skipped).toEqual(["static/.DS_Store"]);
    expect(packed.signedBy).toBeNull();
    expect(packed.warnings).toEqual([]);
    expect(Buffer.from(packed.files.get("plugin.wasm")!)).toEqual(await readFile(join(FIXTURE_DIR, "build/plugin.wasm")));
  });

  it("writes an integrity file with the SHA-256 of every entry and a digest over the sha256sum listing", async () => {
    const packed = await packPlugin(await kitchenSinkFolder());
    const entries = unzipSync(packed.bytes);
    const record = JSON.parse(new TextDecoder().decode(entries["goatkit-integrity.json"]));
    const names = Object.keys(entries).filter((n) => n !== "goatkit-integrity.json");
    expect(Object.keys(record.files)).toEqual(names);
    for (const name of names) expect(record.files[name]).toBe(sha256(entries[name]!));
    const listing = names.map((name) => `${sha256(entries[name]!)}  ${name}\n`).join("");
    expect(record).toEqual({ format: "goatkit-integrity/1", algorithm: "sha256", files: record.files, digest: sha256(listing) });
    expect(integrityDigest(record.files)).toBe(record.digest);
  });

  it("points a JSON manifest at plugin.wasm in place: wasm set where build was, build removed, other text untouched", async () => {
    const dir = await kitchenSinkFolder();
    const original = await readFile(join(dir, "manifest.json"), "utf8");
    const packed = await packPlugin(dir);
    const text = new TextDecoder().decode(packed.files.get("manifest.json"));
    expect(packed.manifestRewritten).toBe(true);
    expect(packed.manifest).toMatchObject({ name: "kitchen-sink", wasm: "plugin.wasm" });
    expect(packed.manifest.build).toBeUndefined();
    const buildSection = original.slice(original.indexOf('"build"'), original.indexOf('"permissions"'));
    const expected = original.replace(buildSection, `"wasm": "plugin.wasm",\n  `);
    expect(text).toBe(expected);
    expect(JSON.parse(text).wasm).toBe("plugin.wasm");
    expect(JSON.parse(text).build).toBeUndefined();
  });

  it("points a YAML manifest at plugin.wasm keeping its comments, and keeps a plugin.wasm manifest byte for byte", async () => {
    const dir = await tempDir();
    const wasm = await readFile(join(FIXTURE_DIR, "build/plugin.wasm"));
    const yaml = "# Ticket counter\nname: kitchen-sink # the plugin's name\nversion: \"1.0.0\"\nwasm: out/module.wasm\nbuild:\n  command: make\n  output: out/module.wasm\npermissions: [db:read]\n";
    await writeTree(dir, { "manifest.yaml": yaml, "out/module.wasm": wasm });
    const packed = await packPlugin(dir);
    expect(new TextDecoder().decode(packed.files.get("manifest.yaml"))).toBe("# Ticket counter\nname: kitchen-sink # the plugin's name\nversion: \"1.0.0\"\nwasm: plugin.wasm\npermissions: [ db:read ]\n");

    const plain = await tempDir();
    const asIs = '{ "name": "kitchen-sink", "version": "1.0.0",\n  "permissions": ["db:read"] }\n';
    await writeTree(plain, { "manifest.json": asIs, "plugin.wasm": wasm });
    const packedAsIs = await packPlugin(plain);
    expect(packedAsIs.manifestRewritten).toBe(false);
    expect(new TextDecoder().decode(packedAsIs.files.get("manifest.json"))).toBe(asIs);
  });

  it("gives the same bytes for the same input: any folder path, file times or time zone", async () => {
    const dir = await kitchenSinkFolder();
    const first = await packPlugin(dir);
    const copy = join(await tempDir(), "elsewhere");
    await cp(dir, copy, { recursive: true });
    await utimes(join(copy, "static/kitchen-sink.css"), new Date("2001-02-03T04:05:06Z"), new Date("2001-02-03T04:05:06Z"));
    const zone = process.env.TZ;
    try {
      process.env.TZ = "America/St_Johns";
      const second = await packPlugin(copy);
      process.env.TZ = "Asia/Kathmandu";
      const third = await packPlugin(dir);
      expect(Buffer.from(second.bytes).equals(Buffer.from(first.bytes))).toBe(true);
      expect(Buffer.from(third.bytes).equals(Buffer.from(first.bytes))).toBe(true);
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
    // Every entry is stamped 1980-01-01 00:00 (DOS date 0x0021, time 0).
    const view = new DataView(first.bytes.buffer, first.bytes.byteOffset);
    for (let at = 0; at + 4 <= first.bytes.length; at++) {
      if (view.getUint32(at, true) === 0x02014b50) expect([view.getUint16(at + 12, true), view.getUint16(at + 14, true)]).toEqual([0, 0x21]);
    }
    await writeFile(join(dir, "static/kitchen-sink.css"), ".kitchen-sink { color: red; }\n");
    expect(Buffer.from((await packPlugin(dir)).bytes).equals(Buffer.from(first.bytes))).toBe(false);
  });

  it("refuses a folder whose module is not built, naming the build command", async () => {
    const dir = await tempDir();
    await writeTree(dir, { "manifest.json": JSON.stringify({ name: "unbuilt", version: "1.0.0", build: { command: "make", args: ["wasm"], output: "out/plugin.wasm" } }) });
    await expect(packPlugin(dir)).rejects.toThrow(`${join(dir, "out/plugin.wasm")} does not exist. Fix: run the build (make wasm) before packing`);
  });

  it("refuses files whose names a package cannot hold, and warns when i18n/ has no en bundle", async () => {
    const dir = await tempDir();
    await writeTree(dir, { "manifest.json": '{"name":"tiny","version":"1.0.0"}', "plugin.wasm": new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), "static/my logo.png": "x" });
    await expect(packPlugin(dir)).rejects.toThrow(
      `${join(dir, "static/my logo.png")}: entry "static/my logo.png" has characters other than A-Z, a-z, 0-9, ".", "_", "-", "@" and "+" (in "my logo.png"). Fix: rename the file with those characters only`,
    );
    await rm(join(dir, "static/my logo.png"));
    await writeTree(dir, { "i18n/de.yaml": "title: Titel\n" });
    expect((await packPlugin(dir)).warnings).toEqual(["i18n/ has no en bundle: users whose locale has no bundle see no strings; add i18n/en.yaml"]);
  });

  it("refuses a symlink in the folder instead of packing what it points at", async () => {
    const dir = await tempDir();
    await writeTree(dir, { "manifest.json": '{"name":"tiny","version":"1.0.0"}', "plugin.wasm": new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]) });
    await mkdir(join(dir, "static"));
    await symlink("/etc/hostname", join(dir, "static/host.txt"));
    await expect(packPlugin(dir)).rejects.toThrow(`${join(dir, "static/host.txt")} is a symbolic link. Fix: packages hold regular files only: copy the file or folder in place of the link`);
  });

  it("refuses to pack a file that the installing host would refuse as a zip bomb", async () => {
    const dir = await tempDir();
    await writeTree(dir, { "manifest.json": '{"name":"tiny","version":"1.0.0"}', "plugin.wasm": new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), "static/zeros.bin": new Uint8Array(8 * 1024 * 1024) });
    const error = await packPlugin(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PackageError);
    expect((error as PackageError).code).toBe("E_PACK_SOURCE");
    expect((error as PackageError).message).toMatch(/^the package would be refused when installed: the packed plugin: entry "static\/zeros.bin" expands \d+:1 \(.* to 8 MiB\), more than the limit of 200:1/);
  });
});

describe("extractPackage", () => {
  it("round-trips: the extracted folder holds the packed bytes and the real host loads and runs it", async () => {
    const dir = await kitchenSinkFolder();
    const packed = await packPlugin(dir);
    const target = join(await tempDir(), "plugins", "kitchen-sink");
    const extracted = await extractPackage(packed.bytes, target);
    expect(extracted.dir).toBe(target);
    expect(extracted.manifest.name).toBe("kitchen-sink");
    expect(extracted.signature).toMatchObject({ status: "unsigned" });

    const onDisk = await readTree(target);
    expect([...onDisk.keys()].sort()).toEqual([...packed.files.keys()].sort());
    for (const [name, bytes] of packed.files) expect(onDisk.get(name)!.equals(Buffer.from(bytes)), name).toBe(true);
    expect(onDisk.get("plugin.wasm")!.equals(await readFile(join(FIXTURE_DIR, "build/plugin.wasm")))).toBe(true);
    expect(onDisk.get("static/kitchen-sink.css")!.equals(await readFile(join(dir, "static/kitchen-sink.css")))).toBe(true);
    expect((await stat(join(target, "plugin.wasm"))).mode & 0o777).toBe(0o644);

    const host = await createHost({ database: { demo: { tickets: 20 } } });
    try {
      const plugin = await host.load(target);
      expect(plugin.name).toBe("kitchen-sink");
      expect(plugin.wasmPath).toBe(join(target, "plugin.wasm"));
      expect(await host.call("kitchen-sink", "status")).toEqual({ status: 201, headers: { "x-kitchen-sink": "yes", "content-type": "text/csv" }, body: "id,body\n1,hello\n" });
    } finally {
      await host.close();
    }
  });

  it("reads a package from a .zip path and names it by file name in messages", async () => {
    const zipDir = await tempDir();
    const packed = await packPlugin(await kitchenSinkFolder());
    const file = join(zipDir, packed.fileName);
    await writeFile(file, packed.bytes);
    const extracted = await extractPackage(file, join(zipDir, "out"));
    expect(extracted.label).toBe("kitchen-sink-1.0.0.zip");
    expect(extracted.warnings).toEqual([
      'kitchen-sink-1.0.0.zip is not signed; loading it because the trust policy is "warn". To verify its origin, sign it with `gk plugin sign --key <private key> <package>`',
    ]);
  });

  it("refuses an existing target unless replace is set, then swaps it whole", async () => {
    const root = await tempDir();
    const target = join(root, "kitchen-sink");
    await writeTree(target, { "old.txt": "old plugin" });
    const packed = await packPlugin(await kitchenSinkFolder());
    await expect(extractPackage(packed.bytes, target)).rejects.toThrow(
      `cannot extract the package into ${target}: it already exists. Fix: remove it, choose another folder, or pass replace: true to swap it for the new plugin`,
    );
    expect(await listTree(root)).toEqual(["kitchen-sink/", "kitchen-sink/old.txt"]);
    await extractPackage(packed.bytes, target, { replace: true });
    const after = await listTree(root);
    expect(after).not.toContain("kitchen-sink/old.txt");
    expect(after).toContain("kitchen-sink/plugin.wasm");
    // No staging or backup folder is left beside it.
    expect(after.filter((p) => !p.startsWith("kitchen-sink/"))).toEqual([]);
  });

  it("refuses a package whose manifest does not point at plugin.wasm", async () => {
    const packed = await packPlugin(await kitchenSinkFolder());
    const zip = handMadePackage({ "manifest.json": JSON.stringify({ name: "tiny", version: "1.0.0", wasm: "lib/other.wasm" }) });
    expect(() => readPackage(zip)).toThrow('the package: the manifest\'s module is "lib/other.wasm", but a package\'s module is plugin.wasm. Fix: pack the plugin with `gk plugin pack`, which points the packed manifest at plugin.wasm');
    expect(readPackage(packed.bytes).manifest.wasm).toBe("plugin.wasm");
  });
});
