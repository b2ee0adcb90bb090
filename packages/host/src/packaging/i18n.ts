import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { realPathInside } from "./inside-folder.js";
import { bundleLocale } from "./layout.js";
import { PackageError } from "./package-error.js";

/** The locale every lookup falls back to last. */
export const FALLBACK_LOCALE = "en";

/** One translation file, flattened: nested keys joined with `.`. */
export interface TranslationBundle {
  locale: string;
  /** The file it came from, e.g. `i18n/de.yaml`. */
  file: string;
  strings: Readonly<Record<string, string>>;
}

/**
 * Reads one bundle (`i18n/<locale>.yaml`, `.yml` or `.json`): a mapping of keys to strings,
 * flat (`"tickets.title": "Tickets"`) or nested (`tickets: { title: Tickets }`).
 */
export function parseTranslationBundle(file: string, text: string): TranslationBundle {
  const name = file.split("/").at(-1) ?? file;
  const locale = bundleLocale(name);
  const invalid = (why: string, fix: string) => new PackageError("E_I18N_INVALID", `${file}: ${why}`, fix);
  if (!locale) throw invalid("the file name is not <locale>.yaml, .yml or .json", "name it after a BCP 47 locale, for example en.yaml, de.json or pt-BR.yaml");
  const value = name.endsWith(".json") ? parseJson(text, invalid) : parseYaml(text, invalid);
  const strings: Record<string, string> = {};
  if (value === null || value === undefined) return { locale, file, strings };
  if (!isMapping(value)) throw invalid("is not a mapping of keys to strings", "write `key: text` pairs, flat or nested");
  flatten(value, "", strings, invalid);
  return { locale, file, strings };
}

/**
 * A plugin's translations, looked up by request locale with fallback: `de-AT` uses `de-AT`'s
 * strings, then `de`'s for keys it lacks, then `en`'s.
 */
export class Translations {
  readonly #bundles: ReadonlyMap<string, TranslationBundle>;
  readonly #merged = new Map<string, Readonly<Record<string, string>>>();

  constructor(bundles: Iterable<TranslationBundle>) {
    const byLocale = new Map<string, TranslationBundle>();
    for (const bundle of bundles) {
      const other = byLocale.get(bundle.locale);
      if (other) throw new PackageError("E_I18N_INVALID", `${other.file} and ${bundle.file} are both translations for ${bundle.locale}`, "keep one file per locale");
      byLocale.set(bundle.locale, bundle);
    }
    this.#bundles = byLocale;
  }

  /** Reads `<pluginDir>/i18n/`; a plugin without the folder has no translations. */
  static async load(pluginDir: string): Promise<Translations> {
    // i18n/ may be a link to a folder of the plugin, not to one elsewhere; links to files are skipped below.
    const inside = await realPathInside(pluginDir, join(pluginDir, "i18n"));
    if (!inside.ok && inside.why === "outside") throw new PackageError("E_I18N_INVALID", "i18n/ leads outside the plugin's folder (through a symbolic link)", "make i18n/ a folder inside the plugin");
    if (!inside.ok) return new Translations([]);
    const folder = inside.path;
    const entries = await readdir(folder, { withFileTypes: true });
    const bundles: TranslationBundle[] = [];
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (!entry.isFile() || entry.name.startsWith(".")) continue;
      bundles.push(parseTranslationBundle(`i18n/${entry.name}`, await readFile(join(folder, entry.name), "utf8")));
    }
    return new Translations(bundles);
  }

  /** The locales with a bundle, sorted. */
  get locales(): string[] {
    return [...this.#bundles.keys()].sort();
  }

  /** Every string for a locale, fallbacks merged in; what the host passes to a handler. */
  strings(locale: string): Readonly<Record<string, string>> {
    // Most plugins ship no bundles: no locale to canonicalize on every call.
    if (this.#bundles.size === 0) return NO_STRINGS;
    const chain = localeChain(locale);
    const cacheKey = chain[0]!;
    let merged = this.#merged.get(cacheKey);
    if (!merged) {
      const out: Record<string, string> = {};
      for (const tag of [...chain].reverse()) Object.assign(out, this.#bundles.get(tag)?.strings);
      merged = Object.freeze(out);
      this.#merged.set(cacheKey, merged);
    }
    return merged;
  }

  /** One string, or undefined when no locale in the chain has it. */
  translate(locale: string, key: string): string | undefined {
    const strings = this.strings(locale);
    return Object.hasOwn(strings, key) ? strings[key] : undefined;
  }
}

const NO_STRINGS: Readonly<Record<string, string>> = Object.freeze({});

/** The locales a lookup tries, most specific first: `zh-Hant-TW` → `zh-Hant-TW`, `zh-Hant`, `zh`, `en`. */
export function localeChain(locale: string): string[] {
  let canonical: string | undefined;
  try {
    canonical = Intl.getCanonicalLocales(locale.trim().replace(/_/g, "-"))[0];
  } catch {
    canonical = undefined;
  }
  const chain: string[] = [];
  if (canonical) {
    const parts = canonical.split("-");
    for (let n = parts.length; n > 0; n--) chain.push(parts.slice(0, n).join("-"));
  }
  if (!chain.includes(FALLBACK_LOCALE)) chain.push(FALLBACK_LOCALE);
  return chain;
}

type Invalid = (why: string, fix: string) => PackageError;

function parseJson(text: string, invalid: Invalid): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw invalid(`is not valid JSON: ${(error as Error).message}`, "fix the JSON syntax");
  }
}

function parseYaml(text: string, invalid: Invalid): unknown {
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const [first] = document.errors;
  if (first) {
    const at = first.linePos?.[0];
    const reason = (first.message.split("\n")[0] ?? first.message).replace(/ at line \d+, column \d+:?$/, "");
    throw invalid(`is not valid YAML: ${reason}${at ? ` at line ${at.line}, column ${at.col}` : ""}`, "fix the YAML syntax there");
  }
  try {
    return document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw invalid(`cannot be read: ${(error as Error).message}`, "write plain `key: text` pairs, without aliases or tags");
  }
}

function flatten(value: Record<string, unknown>, prefix: string, out: Record<string, string>, invalid: Invalid): void {
  for (const [key, child] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (key === "") throw invalid(`has an empty key${prefix ? ` under ${prefix}` : ""}`, "give every string a key");
    if (typeof child === "string") {
      if (Object.hasOwn(out, path)) throw invalid(`defines ${path} twice (once flat, once nested)`, "keep one of them");
      out[path] = child;
    } else if (isMapping(child)) {
      flatten(child, path, out, invalid);
    } else {
      const kind = child === null ? "nothing" : Array.isArray(child) ? "a list" : `a ${typeof child}`;
      throw invalid(`${path} is ${kind}, not text`, typeof child === "number" || typeof child === "boolean" ? `quote it: ${path.split(".").at(-1)}: "${String(child)}"` : "give it a text value");
    }
  }
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
