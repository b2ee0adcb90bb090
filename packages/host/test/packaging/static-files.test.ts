import { symlink } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentTypeOf, resolveStaticFile } from "../../src/packaging/index.js";
import { removeTemps, tempDir, writeTree } from "./support.js";

let root: string;
let plugin: string;

beforeAll(async () => {
  root = await tempDir();
  plugin = join(root, "plugin");
  await writeTree(root, {
    "secret.txt": "outside the plugin",
    "plugin/manifest.json": "{}",
    "plugin/static/css/app.css": "body {}",
    "plugin/static/img/logo.svg": "<svg/>",
    "plugin/static/a file.txt": "spaces",
    "plugin/static/.env": "TOKEN=x",
  });
  await symlink(join(root, "secret.txt"), join(plugin, "static/leak.txt"));
  await symlink(join(plugin, "static/css/app.css"), join(plugin, "static/alias.css"));
});
afterAll(removeTemps);

describe("resolveStaticFile", () => {
  it("resolves a file under static/ with its content type", async () => {
    const found = await resolveStaticFile(plugin, "css/app.css");
    expect(found).toEqual({ ok: true, file: { path: join(plugin, "static/css/app.css"), contentType: "text/css; charset=utf-8", size: 7, mtimeMs: expect.any(Number) } });
    expect(await resolveStaticFile(plugin, "a%20file.txt")).toMatchObject({ ok: true, file: { contentType: "text/plain; charset=utf-8" } });
    expect(await resolveStaticFile(plugin, "alias.css")).toMatchObject({ ok: true, file: { path: join(plugin, "static/css/app.css") } });
  });

  it.each([
    ["../manifest.json", "has a . or .. segment"],
    ["css/../../manifest.json", "has a . or .. segment"],
    ["%2e%2e/manifest.json", "has a . or .. segment"],
    ["css%2F..%2F..%2Fmanifest.json", "has an encoded /, \\, : or control character"],
    ["..%5Cmanifest.json", "has an encoded /, \\, : or control character"],
    ["css\\..\\..\\manifest.json", "contains a backslash"],
    ["/etc/passwd", "has an empty segment (leading, trailing or double /)"],
    ["css//app.css", "has an empty segment (leading, trailing or double /)"],
    ["C%3A/Windows/win.ini", "has an encoded /, \\, : or control character"],
    ["app.css%00.png", "has an encoded /, \\, : or control character"],
    ["%E0%A4%A", "has a malformed %-escape"],
  ])("refuses %s with 400", async (path, reason) => {
    expect(await resolveStaticFile(plugin, path)).toEqual({ ok: false, status: 400, reason: `static path ${JSON.stringify(path)}: ${reason}` });
  });

  it.each([
    ["leak.txt", "leads outside static/ (through a symbolic link)"],
    [".env", "hidden files are not served"],
    ["missing.css", "no such file"],
    ["css", "not a file"],
  ])("answers %s with 404", async (path, reason) => {
    expect(await resolveStaticFile(plugin, path)).toEqual({ ok: false, status: 404, reason: `static path ${JSON.stringify(path)}: ${reason}` });
  });

  it("answers 404 for a plugin without static/", async () => {
    expect(await resolveStaticFile(root, "secret.txt")).toEqual({ ok: false, status: 404, reason: 'static path "secret.txt": the plugin has no static/ folder' });
  });
});

describe("contentTypeOf", () => {
  it("maps common extensions, case-insensitively, and falls back to octet-stream", () => {
    expect(contentTypeOf("app.JS")).toBe("text/javascript; charset=utf-8");
    expect(contentTypeOf("font.woff2")).toBe("font/woff2");
    expect(contentTypeOf("logo.svg")).toBe("image/svg+xml");
    expect(contentTypeOf("archive.tar.gz")).toBe("application/octet-stream");
    expect(contentTypeOf("Makefile")).toBe("application/octet-stream");
  });
});
