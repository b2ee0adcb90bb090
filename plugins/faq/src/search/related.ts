/**
 * Related articles: the article's most characteristic terms (weighted count × IDF) are
 * searched for, each weighted by how characteristic it is, and articles in the same category
 * get a boost. The article itself and its translations (same slug) are left out.
 */
import { compareText } from "../order.js";
import type { ArticleRow } from "../store/articles.js";
import type { Visibility } from "../store/visibility.js";
import { corpusStats, documentFrequencies, postingsFor, postingsOf } from "./postings.js";
import { byScore, scoreArticles, type ScoredArticle } from "./rank.js";

/** Terms of the article considered, and then searched for. */
const CONSIDERED_TERMS = 500;
const CHARACTERISTIC_TERMS = 12;
const SAME_CATEGORY_BOOST = 1.5;
/** Title words describe an article better than body words, as in ranking. */
const TITLE_WEIGHT = 3;

export function relatedArticles(article: ArticleRow, visibility: Visibility, limit: number): ScoredArticle[] {
  const own = postingsOf(article.id)
    .map((t) => ({ term: t.term, count: TITLE_WEIGHT * t.titleCount + t.bodyCount }))
    .sort((a, b) => b.count - a.count || compareText(a.term, b.term))
    .slice(0, CONSIDERED_TERMS);
  if (own.length === 0) return [];
  const stats = corpusStats(visibility);
  const frequencies = documentFrequencies(
    own.map((t) => t.term),
    visibility,
  );
  const characteristic = own
    .map((t) => {
      const df = frequencies.get(t.term) ?? 0;
      return { term: t.term, weight: t.count * Math.log(1 + (stats.documents - df + 0.5) / (df + 0.5)) };
    })
    .sort((a, b) => b.weight - a.weight || compareText(a.term, b.term))
    .slice(0, CHARACTERISTIC_TERMS);
  const weights = new Map(characteristic.map((t) => [t.term, t.weight]));

  return scoreArticles(postingsFor([...weights.keys()], visibility), stats, weights)
    .filter((hit) => hit.slug !== article.slug)
    .map((hit) => (hit.categoryId !== null && hit.categoryId === article.category_id ? { ...hit, score: hit.score * SAME_CATEGORY_BOOST } : hit))
    .sort(byScore)
    .slice(0, limit);
}
