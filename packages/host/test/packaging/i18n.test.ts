import { symlink } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { localeChain, parseTranslationBundle, Translations } from "../../src/packaging/index.js";
import { removeTemps, tempDir, writeTree } from "./support.js";

afterEach(removeTemps);

describe("translation bundles", () => {
  it("reads nested and flat keys from YAML and JSON into one flat lookup", () => {
    expect(parseTranslationBundle("i18n/en.yaml", "widget:\n  title: Tickets\n  empty: No tickets\n'menu.settings': Settings\n").strings).toEqual({
      "widget.title": "Tickets",
      "widget.empty": "No tickets",
      "menu.settings": "Settings",
    });
    expect(parseTranslationBundle("i18n/pt_BR.json", '{"widget": {"title": "Chamados"}}')).toEqual({ locale: "pt-BR", file: "i18n/pt_BR.json", strings: { "widget.title": "Chamados" } });
    expect(parseTranslationBundle("i18n/de.yaml", "").strings).toEqual({});
  });

  it("names the key and the fix when a value is not text, a key is defined twice, or the syntax is wrong", () => {
    expect(() => parseTranslationBundle("i18n/de.yaml", "widget:\n  count: 5\n")).toThrow('i18n/de.yaml: widget.count is a number, not text. Fix: quote it: count: "5"');
    expect(() => parseTranslationBundle("i18n/de.yaml", "items: [a, b]\n")).toThrow("i18n/de.yaml: items is a list, not text. Fix: give it a text value");
    expect(() => parseTranslationBundle("i18n/de.json", '{"a.b": "x", "a": {"b": "y"}}')).toThrow("i18n/de.json: defines a.b twice (once flat, once nested). Fix: keep one of them");
    expect(() => parseTranslationBundle("i18n/de.yaml", "a: x\na: y\n")).toThrow(/^i18n\/de.yaml: is not valid YAML: Map keys must be unique at line 2, column 1. Fix: fix the YAML syntax there$/);
    expect(() => parseTranslationBundle("i18n/de.json", "{")).toThrow(/^i18n\/de.json: is not valid JSON: /);
    expect(() => parseTranslationBundle("i18n/german.yaml", "a: b")).toThrow("i18n/german.yaml: the file name is not <locale>.yaml, .yml or .json. Fix: name it after a BCP 47 locale, for example en.yaml, de.json or pt-BR.yaml");
  });
});

describe("Translations", () => {
  const bundles = [
    parseTranslationBundle("i18n/en.yaml", "title: Tickets\ngreeting: Hello\nfarewell: Bye\n"),
    parseTranslationBundle("i18n/de.yaml", "title: Tickets (de)\ngreeting: Hallo\n"),
    parseTranslationBundle("i18n/de-AT.yaml", "greeting: Servus\n"),
  ];

  it("falls back key by key: de-AT, then de, then en", () => {
    const translations = new Translations(bundles);
    expect(translations.locales).toEqual(["de", "de-AT", "en"]);
    expect(translations.strings("de-AT")).toEqual({ title: "Tickets (de)", greeting: "Servus", farewell: "Bye" });
    expect(translations.strings("de")).toEqual({ title: "Tickets (de)", greeting: "Hallo", farewell: "Bye" });
    expect(translations.strings("de_ch")).toEqual(translations.strings("de"));
    expect(translations.strings("fr")).toEqual({ title: "Tickets", greeting: "Hello", farewell: "Bye" });
    expect(translations.strings("not a locale!")).toEqual(translations.strings("en"));
    expect(translations.translate("de-AT", "farewell")).toBe("Bye");
    expect(translations.translate("de-AT", "missing")).toBeUndefined();
  });

  it("localeChain goes from the most specific tag to en", () => {
    expect(localeChain("zh-hant-tw")).toEqual(["zh-Hant-TW", "zh-Hant", "zh", "en"]);
    expect(localeChain("en-GB")).toEqual(["en-GB", "en"]);
    expect(localeChain("")).toEqual(["en"]);
  });

  it("refuses two bundles for one locale", () => {
    expect(() => new Translations([bundles[1]!, parseTranslationBundle("i18n/de.json", "{}")])).toThrow("i18n/de.yaml and i18n/de.json are both translations for de. Fix: keep one file per locale");
  });

  it("loads a plugin folder's i18n/, and a folder without one has none", async () => {
    const dir = await tempDir();
    await writeTree(dir, { "i18n/en.yaml": "title: Tickets\n", "i18n/fr.json": '{"title": "Billets"}', "i18n/.hidden.yaml": "x: y" });
    const translations = await Translations.load(dir);
    expect(translations.locales).toEqual(["en", "fr"]);
    expect(translations.translate("fr-CA", "title")).toBe("Billets");
    expect((await Translations.load(await tempDir())).locales).toEqual([]);
  });

  // Regression: `i18n -> /elsewhere` read another folder's files into the plugin's strings.
  it("refuses i18n/ linked out of the plugin folder, and follows a link inside it", async () => {
    const outside = await tempDir();
    await writeTree(outside, { "en.yaml": "secret: from outside\n" });
    const dir = await tempDir();
    await symlink(outside, join(dir, "i18n"));
    await expect(Translations.load(dir)).rejects.toThrow("i18n/ leads outside the plugin's folder (through a symbolic link). Fix: make i18n/ a folder inside the plugin");
    const inside = await tempDir();
    await writeTree(inside, { "strings/en.yaml": "title: Tickets\n" });
    await symlink("strings", join(inside, "i18n"));
    expect((await Translations.load(inside)).translate("en", "title")).toBe("Tickets");
  });
});
