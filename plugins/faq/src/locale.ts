/**
 * Article languages. Requests carry the user's locale (BCP 47); an article is shown in the
 * most specific language that has it: `de-AT`, then `de`, then English.
 */

export const FALLBACK_LOCALE = "en";

const TAG = /^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$/;

/** `de_at` → `de-AT`, `EN` → `en`; `null` when the text is not a language tag. */
export function normalizeLocale(raw: string): string | null {
  const text = raw.trim();
  if (text.length > 35 || !TAG.test(text)) return null;
  const [language, ...rest] = text.split(/[-_]/);
  const subtags = rest.map((subtag) => {
    if (subtag.length === 2 && /^[A-Za-z]+$/.test(subtag)) return subtag.toUpperCase(); // region
    if (subtag.length === 4 && /^[A-Za-z]+$/.test(subtag)) return subtag[0]!.toUpperCase() + subtag.slice(1).toLowerCase(); // script
    return subtag.toLowerCase();
  });
  return [language!.toLowerCase(), ...subtags].join("-");
}

/** The locales to try, most specific first, ending with the fallback: `de-AT` → `de-AT`, `de`, `en`. */
export function localeChain(raw: string): string[] {
  const chain: string[] = [];
  const tag = normalizeLocale(raw);
  if (tag !== null) {
    const parts = tag.split("-");
    for (let n = parts.length; n >= 1; n--) chain.push(parts.slice(0, n).join("-"));
  }
  if (!chain.includes(FALLBACK_LOCALE)) chain.push(FALLBACK_LOCALE);
  return chain;
}
