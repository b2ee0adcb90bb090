/** GET /portal: the customer portal page (?q= search, ?category= a category, ?article= one article). */
import { Response, type Handler, type Request } from "@goatkit/sdk/guest";
import { viewerOf, type Viewer } from "../access.js";
import { cacheTtl, cached } from "../cache.js";
import { articleBodyHTML } from "../render/article-body.js";
import { labelsFor } from "../render/labels.js";
import { portalPage, type PortalContent } from "../render/portal.js";
import { searchArticles } from "../search/search.js";
import { countView, findArticle, isVisible, listArticles, translationsOf } from "../store/articles.js";
import type { Visibility } from "../store/visibility.js";
import { readingVisibility } from "../viewing.js";
import { categoriesFor } from "./categories.js";
import { relatedFor } from "./search.js";

const LIST_LIMIT = 50;
const POPULAR_LIMIT = 10;
const RELATED_LIMIT = 5;

export const portalHandlers = {
  portal(req) {
    const viewer = viewerOf(req);
    const visibility = readingVisibility(req, viewer);
    const ttl = cacheTtl(req);
    const { categories } = categoriesFor(visibility, ttl);
    const query = req.query("q").trim().slice(0, 500);
    const categoryId = positiveInt(req.query("category"));
    const content = portalContent(req, viewer, visibility, ttl, query, categoryId, categories);
    const html = portalPage({ lang: visibility.locales![0]!, labels: labelsFor(visibility.locales!), query, categories, activeCategoryId: categoryId, content });
    return new Response(content.kind === "missing" ? 404 : 200).header("cache-control", "no-store").text(html, "text/html; charset=utf-8");
  },
} satisfies Record<string, Handler>;

function portalContent(
  req: Request,
  viewer: Viewer,
  visibility: Visibility,
  ttl: number,
  query: string,
  categoryId: number | null,
  categories: ReturnType<typeof categoriesFor>["categories"],
): PortalContent {
  const articleId = positiveInt(req.query("article"));
  if (articleId !== null) {
    const article = findArticle(articleId);
    if (article === null || !isVisible(article, visibility)) return { kind: "missing" };
    if (!viewer.canEdit) {
      countView(article.id);
      article.views++;
    }
    return {
      kind: "article",
      article,
      bodyHTML: articleBodyHTML(article.body),
      related: relatedFor(article, visibility, RELATED_LIMIT, ttl),
      translations: translationsOf(article.slug, !viewer.canEdit).filter((t) => t.id !== article.id),
      canVote: viewer.userId !== null,
      voted: req.query("voted") === "1",
    };
  }
  if (query !== "") {
    const request = { query, visibility, categoryId, page: 1, limit: LIST_LIMIT };
    return { kind: "search", results: cached("search", request, ttl, () => searchArticles(request)) };
  }
  const category = categoryId === null ? undefined : categories.find((c) => c.id === categoryId);
  if (category !== undefined) {
    return { kind: "category", category, articles: listArticles({ visibility, categoryId: category.id, sort: "popular", limit: LIST_LIMIT, offset: 0 }).rows };
  }
  return { kind: "home", popular: listArticles({ visibility, sort: "popular", limit: POPULAR_LIMIT, offset: 0 }).rows };
}

function positiveInt(raw: string): number | null {
  return /^[1-9][0-9]{0,14}$/.test(raw) ? Number(raw) : null;
}
