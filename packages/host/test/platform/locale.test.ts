import { describe, expect, it } from "vitest";
import { preferredLocale } from "../../src/http/locale.js";

// The request envelope's `locale` from Accept-Language.
describe("preferredLocale", () => {
  it("takes the highest-weighted language, the first of equals", () => {
    expect(preferredLocale("de;q=0.9, fr-CH, en;q=0.8")).toBe("fr-CH");
    expect(preferredLocale("da, en-GB;q=0.8, en;q=0.7")).toBe("da");
    expect(preferredLocale("en;q=0.5, pt-br;q=0.5")).toBe("en");
  });

  it("canonicalises tags", () => {
    expect(preferredLocale("pt-br")).toBe("pt-BR");
  });

  it("ignores wildcards, refused (q=0) and malformed entries, falling back to en", () => {
    expect(preferredLocale(undefined)).toBe("en");
    expect(preferredLocale("*")).toBe("en");
    expect(preferredLocale("de;q=0, *;q=0.5")).toBe("en");
    expect(preferredLocale("12-!!, ;;")).toBe("en");
    expect(preferredLocale("", "de")).toBe("de");
  });
});
