/** The portal's and widget's words, in the languages GoatFlow ships; other locales get English. */

const EN = {
  helpCenter: "Help Center",
  searchPlaceholder: "Search articles",
  search: "Search",
  categories: "Categories",
  allArticles: "All articles",
  popular: "Popular articles",
  results: (n: number, q: string) => `${n} article${n === 1 ? "" : "s"} for “${q}”`,
  noResults: (q: string) => `No articles match “${q}”. Try other words.`,
  noArticles: "No articles yet.",
  wasHelpful: "Was this article helpful?",
  yes: "Yes",
  no: "No",
  thanks: "Thank you for your feedback.",
  related: "Related articles",
  otherLanguages: "Other languages",
  updated: "Updated",
  views: (n: number) => `${n} view${n === 1 ? "" : "s"}`,
  helpful: (n: number) => `${n} helpful`,
  notFound: "This article does not exist or is not published.",
  back: "Back to the Help Center",
  uncategorized: "Other",
};

export type Labels = typeof EN;

const DE: Labels = {
  helpCenter: "Hilfe-Center",
  searchPlaceholder: "Artikel durchsuchen",
  search: "Suchen",
  categories: "Kategorien",
  allArticles: "Alle Artikel",
  popular: "Beliebte Artikel",
  results: (n, q) => `${n} Artikel für „${q}“`,
  noResults: (q) => `Keine Artikel zu „${q}“. Versuchen Sie andere Wörter.`,
  noArticles: "Noch keine Artikel.",
  wasHelpful: "War dieser Artikel hilfreich?",
  yes: "Ja",
  no: "Nein",
  thanks: "Danke für Ihre Rückmeldung.",
  related: "Ähnliche Artikel",
  otherLanguages: "Andere Sprachen",
  updated: "Aktualisiert",
  views: (n) => `${n} Aufruf${n === 1 ? "" : "e"}`,
  helpful: (n) => `${n} hilfreich`,
  notFound: "Diesen Artikel gibt es nicht, oder er ist nicht veröffentlicht.",
  back: "Zurück zum Hilfe-Center",
  uncategorized: "Sonstiges",
};

/** Labels for the first language of the chain that has them. */
export function labelsFor(locales: readonly string[]): Labels {
  for (const locale of locales) {
    if (locale === "de" || locale.startsWith("de-")) return DE;
    if (locale === "en" || locale.startsWith("en-")) return EN;
  }
  return EN;
}
