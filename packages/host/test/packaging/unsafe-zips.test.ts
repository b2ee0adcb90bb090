import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { zipSync } from "fflate";
import { afterEach, describe, expect, it } from "vitest";
import { extractPackage, PackageError, readPackage } from "../../src/packaging/index.js";
import { EMPTY_WASM, handMadePackage, listTree, MINIMAL_MANIFEST, patchBytes, patchDeclaredSize, removeTemps, tempDir, writeTree } from "./support.js";

afterEach(removeTemps);

const UNSAFE_FIX = "Fix: do not install this package; ask its publisher for one made with `gk plugin pack`";

/**
 * Extracts into <root>/a/b/plugin, where a climbing name would land in b, a or root; returns
 * the refusal after checking that nothing under root changed.
 */
async function refusedWithoutWrites(zip: Uint8Array): Promise<PackageError> {
  const root = await tempDir();
  await writeTree(root, { "a/keep.txt": "keep", "a/b/keep.txt": "keep" });
  const before = await listTree(root);
  const error = await extractPackage(zip, join(root, "a/b/plugin")).catch((e: unknown) => e);
  expect(await listTree(root)).toEqual(before);
  if (!(error instanceof PackageError)) throw new Error(`expected a PackageError, got ${String(error)}`);
  return error;
}

describe("path traversal and names that could escape the target", () => {
  it.each([
    ["../evil.txt", 'entry "../evil.txt" climbs out of the package folder with ..'],
    ["a/../../b", 'entry "a/../../b" climbs out of the package folder with ..'],
    ["static/../../../evil.txt", 'entry "static/../../../evil.txt" climbs out of the package folder with ..'],
    ["static\\..\\..\\evil.txt", 'entry "static\\\\..\\\\..\\\\evil.txt" uses backslashes; entry names use / only'],
    ["C:/Windows/evil.dll", 'entry "C:/Windows/evil.dll" starts with a drive letter'],
    ["static//evil.txt", 'entry "static//evil.txt" has an empty or . path segment'],
    ["static/./evil.txt", 'entry "static/./evil.txt" has an empty or . path segment'],
  ])("refuses %s and writes nothing", async (name, problem) => {
    const error = await refusedWithoutWrites(handMadePackage({ [name]: "pwned" }));
    expect(error.code).toBe("E_PACKAGE_UNSAFE");
    expect(error.message).toBe(`the package: ${problem}. ${UNSAFE_FIX}`);
  });

  it("refuses an absolute path and writes nothing there", async () => {
    const absolute = `/goatkit-abs-${process.pid}-${Date.now()}.txt`;
    const error = await refusedWithoutWrites(handMadePackage({ [absolute]: "pwned" }));
    expect(error.message).toBe(`the package: entry ${JSON.stringify(absolute)} is an absolute path. ${UNSAFE_FIX}`);
    expect(existsSync(absolute)).toBe(false);
  });

  it("refuses a symlink entry", async () => {
    const symlink = [new TextEncoder().encode("../../../../etc/passwd"), { os: 3, attrs: (0o120777 << 16) >>> 0 }] as [Uint8Array, { os: number; attrs: number }];
    const error = await refusedWithoutWrites(handMadePackage({ "static/passwd": symlink }));
    expect(error.message).toBe('the package: entry "static/passwd" is a symlink, not a regular file. Fix: do not install this package; packages hold regular files only');
  });

  it("refuses duplicate names, and names that differ only in case", async () => {
    const twice = patchBytes(handMadePackage({ "static/a.css": "one", "static/b.css": "two" }, { integrity: false }), "static/b.css", "static/a.css");
    expect((await refusedWithoutWrites(twice)).message).toBe('the package: entry "static/a.css" appears twice. Fix: do not install this package; a later entry would silently replace an earlier one');
    const cased = handMadePackage({ "static/Logo.png": "one", "static/logo.png": "two" });
    expect((await refusedWithoutWrites(cased)).message).toBe('the package: entry "static/logo.png" and "static/Logo.png" differ only in case. Fix: do not install this package; a later entry would silently replace an earlier one');
  });

  it("refuses a name that is both a file and a folder", async () => {
    const error = await refusedWithoutWrites(handMadePackage({ "static/app": "file", "static/app/x.css": "nested" }));
    expect(error.message).toBe('the package: "static/app" is both a file and a folder. Fix: do not install this package; one entry would overwrite the other');
  });

  it("refuses entries outside the layout, hidden files and directory entries", async () => {
    expect((await refusedWithoutWrites(handMadePackage({ "bin/run.sh": "#!/bin/sh" }))).message).toBe(
      'the package: entry "bin/run.sh" is not part of the package layout. Fix: put files under templates/, static/, i18n/; other folders are not packed',
    );
    expect((await refusedWithoutWrites(handMadePackage({ "install.sh": "#!/bin/sh" }))).code).toBe("E_PACKAGE_INVALID");
    expect((await refusedWithoutWrites(handMadePackage({ "static/.htaccess": "x" }))).message).toBe('the package: entry "static/.htaccess" is a hidden file (".htaccess"). Fix: remove it; hidden files are not packed');
    expect((await refusedWithoutWrites(handMadePackage({ "i18n/nested/de.yaml": "a: b" }))).message).toMatch(/^the package: entry "i18n\/nested\/de.yaml" is not a translation bundle/);
    const directory = zipSync({ "manifest.json": new TextEncoder().encode(MINIMAL_MANIFEST), "plugin.wasm": EMPTY_WASM, static: {} });
    expect((await refusedWithoutWrites(directory)).message).toBe(`the package: entry "static/" is a directory entry; packages hold files only. ${UNSAFE_FIX}`);
  });
});

describe("zip bombs", () => {
  it("refuses more entries than the limit before reading them", async () => {
    const many: Record<string, Uint8Array> = {};
    for (let i = 0; i < 10_001; i++) many[`static/f${i}.txt`] = new Uint8Array(0);
    const error = await refusedWithoutWrites(zipSync(many, { level: 0 }));
    expect(error.message).toBe(
      "the package has 10001 entries, more than the limit of 10000. Fix: a plugin package holds a manifest, a module and a few assets; remove files, or raise maxEntries if this package is trusted",
    );
  });

  it("refuses huge declared sizes before inflating anything", async () => {
    const zip = patchDeclaredSize(handMadePackage({ "static/big.bin": "small" }), "static/big.bin", 3 * 1024 * 1024 * 1024);
    const error = await refusedWithoutWrites(zip);
    expect(error.code).toBe("E_PACKAGE_UNSAFE");
    expect(error.message).toBe(
      'the package declares more than 100 MiB of uncompressed content (reached at "static/big.bin", 3072 MiB). Fix: do not install this package if you did not expect that; otherwise raise maxTotalBytes',
    );
  });

  it("refuses a small zip with a highly compressible large entry by its ratio", async () => {
    const zip = handMadePackage({ "static/zeros.bin": new Uint8Array(50 * 1024 * 1024) });
    expect(zip.byteLength).toBeLessThan(200 * 1024);
    const error = await refusedWithoutWrites(zip);
    expect(error.message).toMatch(/^the package: entry "static\/zeros.bin" expands \d+:1 \(\d+(\.\d)? KiB to 50 MiB\), more than the limit of 200:1\. Fix: do not install this package; that ratio is a zip bomb's$/);
  });

  it("refuses an entry that inflates to more than it declares, without inflating all of it", async () => {
    const honest = handMadePackage({ "static/data.txt": "a".repeat(4096) });
    const error = await refusedWithoutWrites(patchDeclaredSize(honest, "static/data.txt", 16));
    expect(error.message).toBe('the package: entry "static/data.txt" inflates to more than the 16 bytes it declares. Fix: do not install this package; its sizes are forged');
    const shorter = await refusedWithoutWrites(patchDeclaredSize(honest, "static/data.txt", 8192));
    expect(shorter.message).toBe('the package: entry "static/data.txt" holds 4096 bytes but declares 8192. Fix: do not install this package; its sizes are forged');
  });

  it("honours lower limits from the caller, and the package size limit", () => {
    const zip = handMadePackage({ "static/a.txt": "x".repeat(2000) });
    expect(() => readPackage(zip, { limits: { maxTotalBytes: 1000 } })).toThrow(/^the package declares more than 1000 bytes of uncompressed content/);
    expect(() => readPackage(zip, { limits: { maxEntries: 3 } })).toThrow("the package has 4 entries, more than the limit of 3");
    expect(() => readPackage(zip, { limits: { maxPackageBytes: 100 } })).toThrow(/^the package is \d+ bytes, more than the limit of 100 bytes/);
  });
});

describe("damaged zips", () => {
  it("refuses bytes that are not a zip, and a truncated zip", () => {
    expect(() => readPackage(new TextEncoder().encode("not a zip at all"))).toThrow(
      "the package is not a valid zip file: no end-of-central-directory record (is it a zip?). Fix: pack the plugin again with `gk plugin pack`, or download the package again",
    );
    const zip = handMadePackage({});
    expect(() => readPackage(zip.subarray(0, zip.length - 10))).toThrow(/^the package is not a valid zip file/);
  });

  it("refuses a CRC mismatch", () => {
    const zip = handMadePackage({ "static/a.txt": ["hello world", { level: 0 }] });
    expect(() => readPackage(patchBytes(zip, "hello world", "hello wOrld"))).toThrow('the package: entry "static/a.txt" fails its CRC-32 check (the file is damaged)');
  });

  it("the target folder's parent is created only on success", async () => {
    const root = await tempDir();
    await mkdir(join(root, "keep"));
    await expect(extractPackage(handMadePackage({ "../x": "x" }), join(root, "new/parent/plugin"))).rejects.toThrow(PackageError);
    expect(await listTree(root)).toEqual(["keep/"]);
  });
});
