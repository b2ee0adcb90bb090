/**
 * Template functions (manifest `functions`): what a help desk page can show with
 * `{% use faq %}`. Each gets its arguments as the JSON body of a `kind: "function"` call.
 */
import { type Handler, type Request } from "@goatkit/sdk/guest";
import { cacheTtl, cached } from "../cache.js";
import { badRequest, jsonBody } from "../input.js";
import { localeChain } from "../locale.js";
import { searchArticles } from "../search/search.js";
import { listArticles } from "../store/articles.js";
import { readingVisibility } from "../viewing.js";

const MAX_LIMIT = 20;
const MAX_QUERY_LENGTH = 500;

/** A whole-number argument from 1 to MAX_LIMIT; the host has checked its type already. */
function limitArg(req: Request): number {
  const limit = jsonBody(req, '{"limit": 5}').limit;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw badRequest(`limit must be a whole number from 1 to ${MAX_LIMIT}, got ${JSON.stringify(limit)}`);
  return limit;
}

export const functionHandlers = {
  /** top_articles(limit): the most helpful published articles in the reader's language, then the most read. */
  top_articles(req) {
    const limit = limitArg(req);
    const visibility = { publishedOnly: true, locales: localeChain(req.locale) };
    return cached("top", { visibility, limit }, cacheTtl(req), () =>
      listArticles({ visibility, sort: "popular", limit, offset: 0 }).rows.map((row) => ({ id: row.id, slug: row.slug, locale: row.locale, title: row.title, helpful_count: row.helpful_count, views: row.views })),
    );
  },

  /** search_articles(query, limit): ranked matches the reader may see, as the search route finds them. */
  search_articles(req) {
    const limit = limitArg(req);
    const query = jsonBody(req, '{"query": "password", "limit": 5}').query;
    if (typeof query !== "string" || query.trim() === "") throw badRequest("query must be words to look for, e.g. search_articles(\"reset password\", 5)");
    if (query.length > MAX_QUERY_LENGTH) throw badRequest(`the query is ${query.length} characters long; the limit is ${MAX_QUERY_LENGTH}`);
    const request = { query: query.trim(), visibility: readingVisibility(req), categoryId: null, page: 1, limit };
    return cached("search", request, cacheTtl(req), () => searchArticles(request));
  },
} satisfies Record<string, Handler>;
