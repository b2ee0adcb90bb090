import { describe, expect, it } from "vitest";
import { localeChain, normalizeLocale } from "../src/locale.js";
import { highlightAll, snippet } from "../src/text/highlight.js";
import { stem } from "../src/text/stem.js";
import { termsOf, tokenize } from "../src/text/tokenize.js";

// The tokenizer, stemmer and highlighter are plain functions: the same code runs inside the
// component, so these tests pin down what the index and the highlighting do.
describe("tokenizing", () => {
  it("folds case and accents, joins apostrophes, drops stop words and single letters", () => {
    expect(termsOf("The customer's Größe: E-Mail café, naïve 3 steps!")).toEqual(["customer", "gross", "mail", "cafe", "naiv", "3", "step"]);
  });

  it("keeps word positions in the original text", () => {
    const text = "Reset your <b>password</b>";
    expect(tokenize(text).map((t) => [text.slice(t.start, t.end), t.term])).toEqual([
      ["Reset", "reset"],
      ["your", null],
      ["b", null],
      ["password", "password"],
      ["b", null],
    ]);
  });

  it("treats emoji and punctuation as separators", () => {
    expect(termsOf("printer🙂jam—paper…tray")).toEqual(["printer", "jam", "paper", "tray"]);
  });
});

describe("stemming", () => {
  it.each([
    ["printers", "printer"],
    ["printing", "print"],
    ["printed", "print"],
    ["resetting", "reset"],
    ["settings", "set"],
    ["installing", "install"],
    ["policies", "policy"],
    ["update", "updat"],
    ["updated", "updat"],
    ["updating", "updat"],
    ["access", "access"],
    ["status", "status"],
    ["vpn", "vpn"],
    ["ipv6", "ipv6"],
  ])("%s → %s", (word, expected) => {
    expect(stem(word)).toBe(expected);
  });
});

describe("highlighting", () => {
  const terms = new Set(termsOf("reset password"));

  it("marks matched words and escapes everything else", () => {
    expect(highlightAll("Reset <your> Password & passwords", terms)).toBe("<mark>Reset</mark> &lt;your&gt; <mark>Password</mark> &amp; <mark>passwords</mark>");
  });

  it("cuts a snippet around the densest matches, with ellipses", () => {
    const body = `${"Lorem ipsum dolor sit amet. ".repeat(10)}To reset your password open the sign-in page and choose Reset password. ${"Consectetur adipiscing elit. ".repeat(10)}`;
    const text = snippet(body, terms);
    expect(text.startsWith("…")).toBe(true);
    expect(text.endsWith("…")).toBe(true);
    expect(text).toContain("To <mark>reset</mark> your <mark>password</mark> open the sign-in page and choose <mark>Reset</mark> <mark>password</mark>.");
  });

  it("starts at the beginning when nothing matches", () => {
    expect(snippet("Short body.", terms)).toBe("Short body.");
  });
});

describe("locales", () => {
  it("normalizes tags and falls back to English", () => {
    expect(normalizeLocale("de_at")).toBe("de-AT");
    expect(normalizeLocale("zh-hant-tw")).toBe("zh-Hant-TW");
    expect(normalizeLocale("not a tag")).toBeNull();
    expect(localeChain("de-AT")).toEqual(["de-AT", "de", "en"]);
    expect(localeChain("en-GB")).toEqual(["en-GB", "en"]);
    expect(localeChain("")).toEqual(["en"]);
  });
});
