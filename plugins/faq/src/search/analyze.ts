/** What the index keeps of an article: per term, how often it occurs in the title and the body. */
import { termFrequencies } from "../text/tokenize.js";
import type { ArticleLengths } from "../store/articles.js";

export interface TermCounts {
  term: string;
  titleCount: number;
  bodyCount: number;
}

export function analyzeArticle(title: string, body: string): { terms: TermCounts[]; lengths: ArticleLengths } {
  const inTitle = termFrequencies(title);
  const inBody = termFrequencies(body);
  const terms = new Set([...inTitle.counts.keys(), ...inBody.counts.keys()]);
  return {
    terms: [...terms].sort().map((term) => ({ term, titleCount: inTitle.counts.get(term) ?? 0, bodyCount: inBody.counts.get(term) ?? 0 })),
    lengths: { title: inTitle.length, body: inBody.length },
  };
}
