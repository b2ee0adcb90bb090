/**
 * BM25F ranking, computed here rather than by a database's full-text engine so that SQLite,
 * PostgreSQL and MySQL give the same scores: the inputs are integers read from the plugin's
 * own index and every sum runs in a fixed order.
 *
 * Each field's term count is normalized by the field's length against its average, weighted
 * (a title match counts three times a body match), and saturated once with k1:
 *   tf~ = Σ_field w_f · tf_f / (1 − b_f + b_f · len_f / avglen_f)
 *   score = Σ_term idf(term) · tf~ · (k1 + 1) / (tf~ + k1)
 *   idf = ln(1 + (N − df + 0.5) / (df + 0.5))
 */
import { compareText } from "../order.js";
import type { CorpusStats, Posting } from "./postings.js";

const K1 = 1.2;
const TITLE = { weight: 3, b: 0.75 };
const BODY = { weight: 1, b: 0.75 };

export interface ScoredArticle {
  articleId: number;
  score: number;
  categoryId: number | null;
  slug: string;
}

/**
 * Scores every article that has at least one of the postings' terms. `termWeights` scales a
 * term's contribution (1 when absent), which related-article queries use.
 */
export function scoreArticles(postings: readonly Posting[], stats: CorpusStats, termWeights?: ReadonlyMap<string, number>): ScoredArticle[] {
  if (postings.length === 0 || stats.documents === 0) return [];
  const documentFrequency = new Map<string, number>();
  for (const p of postings) documentFrequency.set(p.term, (documentFrequency.get(p.term) ?? 0) + 1);
  const averageTitle = Math.max(stats.titleLengthTotal / stats.documents, 1);
  const averageBody = Math.max(stats.bodyLengthTotal / stats.documents, 1);

  // A fixed summation order (article, then term) makes the floating-point result exact-same everywhere.
  const ordered = [...postings].sort((a, b) => a.articleId - b.articleId || compareText(a.term, b.term));
  const scored: ScoredArticle[] = [];
  for (const p of ordered) {
    const df = documentFrequency.get(p.term)!;
    const idf = Math.log(1 + (stats.documents - df + 0.5) / (df + 0.5));
    const tf =
      (TITLE.weight * p.titleCount) / (1 - TITLE.b + (TITLE.b * p.titleLength) / averageTitle) +
      (BODY.weight * p.bodyCount) / (1 - BODY.b + (BODY.b * p.bodyLength) / averageBody);
    const contribution = (termWeights?.get(p.term) ?? 1) * idf * ((tf * (K1 + 1)) / (tf + K1));
    const last = scored[scored.length - 1];
    if (last !== undefined && last.articleId === p.articleId) last.score += contribution;
    else scored.push({ articleId: p.articleId, score: contribution, categoryId: p.categoryId, slug: p.slug });
  }
  return scored;
}

/** Best first; equal scores by article id, so the order never depends on how rows arrived. */
export function byScore(a: ScoredArticle, b: ScoredArticle): number {
  return b.score - a.score || a.articleId - b.articleId;
}

/** Scores as shown in results: enough digits to compare, none of the floating-point noise. */
export function roundScore(score: number): number {
  return Math.round(score * 10_000) / 10_000;
}
