/** Routes for finding articles: full-text search and related articles. */
import { type Handler } from "@goatkit/sdk/guest";
import { viewerOf } from "../access.js";
import { cacheTtl, cached } from "../cache.js";
import { badRequest, queryInt } from "../input.js";
import { searchArticles } from "../search/search.js";
import { relatedArticles } from "../search/related.js";
import { roundScore } from "../search/rank.js";
import { articlesByIds, type ArticleRow } from "../store/articles.js";
import type { Visibility } from "../store/visibility.js";
import { readingVisibility } from "../viewing.js";
import { visibleArticle } from "./articles.js";

const MAX_QUERY_LENGTH = 500;

/** The related articles of `article` that the viewer may see, best first (cached). */
export function relatedFor(article: ArticleRow, visibility: Visibility, limit: number, ttl: number) {
  return cached("related", { id: article.id, version: article.version, visibility, limit }, ttl, () => {
    const hits = relatedArticles(article, visibility, limit);
    const rows = articlesByIds(hits.map((hit) => hit.articleId));
    return hits.flatMap((hit) => {
      const row = rows.get(hit.articleId);
      return row === undefined ? [] : [{ id: row.id, slug: row.slug, locale: row.locale, title: row.title, category_id: row.category_id, score: roundScore(hit.score) }];
    });
  });
}

export const searchHandlers = {
  /**
   * GET /search?q=&category=&page=&limit=: ranked results (BM25F over title and body) in the
   * caller's language with fallback, titles and snippets highlighted with <mark>.
   */
  search(req) {
    const query = req.query("q").trim();
    if (query === "") throw badRequest('the search needs words to look for: add ?q=, e.g. ?q=reset+password');
    if (query.length > MAX_QUERY_LENGTH) throw badRequest(`the query is ${query.length} characters long; the limit is ${MAX_QUERY_LENGTH}`);
    const rawCategory = req.query("category");
    if (rawCategory !== "" && !/^[1-9][0-9]{0,14}$/.test(rawCategory)) throw badRequest(`?category= must be a category id, got "${rawCategory}"`);
    const request = {
      query,
      visibility: readingVisibility(req),
      categoryId: rawCategory === "" ? null : Number(rawCategory),
      page: queryInt(req, "page", 1, 1, 1000),
      limit: queryInt(req, "limit", 10, 1, 50),
    };
    return cached("search", request, cacheTtl(req), () => searchArticles(request));
  },

  /** GET /articles/:id/related?limit=: articles sharing the article's characteristic terms, same category first. */
  related_articles(req) {
    const viewer = viewerOf(req);
    const article = visibleArticle(req, viewer);
    return { article_id: article.id, related: relatedFor(article, readingVisibility(req, viewer), queryInt(req, "limit", 5, 1, 20), cacheTtl(req)) };
  },
} satisfies Record<string, Handler>;
