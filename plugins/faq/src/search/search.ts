/** Full-text search over the visible articles: terms → postings → BM25F → a highlighted page. */
import { articlesByIds, type ArticleStatus } from "../store/articles.js";
import type { Visibility } from "../store/visibility.js";
import { highlightAll, snippet } from "../text/highlight.js";
import { termsOf } from "../text/tokenize.js";
import { corpusStats, postingsFor } from "./postings.js";
import { byScore, roundScore, scoreArticles } from "./rank.js";

/** More terms than this are dropped: long pasted texts would otherwise scan the whole index. */
export const MAX_QUERY_TERMS = 12;

export interface SearchRequest {
  query: string;
  visibility: Visibility;
  /** Only this category (after ranking over all visible articles, so scores do not depend on the filter). */
  categoryId: number | null;
  page: number;
  limit: number;
}

export interface SearchHit {
  id: number;
  slug: string;
  locale: string;
  title: string;
  /** The title, HTML-escaped, with matched words in `<mark>`. */
  title_html: string;
  /** About 24 words of the body around the best cluster of matches, escaped and marked. */
  snippet_html: string;
  score: number;
  category_id: number | null;
  status: ArticleStatus;
  helpful_count: number;
  views: number;
}

export interface SearchPage {
  query: string;
  /** The terms searched for, after folding, stemming and dropping stop words. */
  terms: string[];
  total: number;
  page: number;
  limit: number;
  results: SearchHit[];
}

export function searchArticles(request: SearchRequest): SearchPage {
  const terms = termsOf(request.query).slice(0, MAX_QUERY_TERMS);
  const empty: SearchPage = { query: request.query, terms, total: 0, page: request.page, limit: request.limit, results: [] };
  if (terms.length === 0) return empty;

  let ranked = scoreArticles(postingsFor(terms, request.visibility), corpusStats(request.visibility)).sort(byScore);
  if (request.categoryId !== null) ranked = ranked.filter((hit) => hit.categoryId === request.categoryId);
  const pageHits = ranked.slice((request.page - 1) * request.limit, request.page * request.limit);
  const articles = articlesByIds(pageHits.map((hit) => hit.articleId));
  const marked = new Set(terms);

  const results: SearchHit[] = [];
  for (const hit of pageHits) {
    const article = articles.get(hit.articleId);
    // Deleted between the two queries: leave it out rather than fail the search.
    if (article === undefined) continue;
    results.push({
      id: article.id,
      slug: article.slug,
      locale: article.locale,
      title: article.title,
      title_html: highlightAll(article.title, marked),
      snippet_html: snippet(article.body, marked),
      score: roundScore(hit.score),
      category_id: article.category_id,
      status: article.status,
      helpful_count: article.helpful_count,
      views: article.views,
    });
  }
  return { ...empty, total: ranked.length, results };
}
