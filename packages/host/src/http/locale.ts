/**
 * The language a request prefers, from Accept-Language (RFC 9110): the highest-weighted tag,
 * the first of equals; `*`, malformed and zero-weight entries are ignored. `fallback` when none.
 */
export function preferredLocale(acceptLanguage: string | undefined, fallback = "en"): string {
  if (!acceptLanguage) return fallback;
  let best: { tag: string; q: number } | null = null;
  for (const part of acceptLanguage.split(",")) {
    const [rawTag, ...params] = part.trim().split(";");
    const tag = rawTag?.trim() ?? "";
    if (!/^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(tag)) continue;
    let q = 1;
    for (const param of params) {
      const match = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(param);
      if (match) q = Number(match[1]);
    }
    if (!(q > 0) || q > 1) continue;
    if (!best || q > best.q) best = { tag, q };
  }
  if (!best) return fallback;
  try {
    return Intl.getCanonicalLocales(best.tag)[0] ?? fallback;
  } catch {
    return fallback;
  }
}
