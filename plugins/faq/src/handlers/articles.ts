/** Routes for articles: everyone reads what they may see; agents and admins write. */
import { Response, type Handler, type Request } from "@goatkit/sdk/guest";
import { requireEditor, viewerOf, type Viewer } from "../access.js";
import { ARTICLE_EXAMPLE, createArticle, editArticle, removeArticle } from "../article-writes.js";
import { badRequest, idParam, jsonBody, notFound, queryInt } from "../input.js";
import { articleJSON, articleSummaryJSON } from "../json.js";
import { normalizeLocale } from "../locale.js";
import { articleBodyHTML } from "../render/article-body.js";
import { countView, findArticle, findVisibleBySlug, isVisible, listArticles, translationsOf, type ArticleRow, type ArticleStatus } from "../store/articles.js";
import { findCategory } from "../store/categories.js";
import type { Visibility } from "../store/visibility.js";
import { voteOf } from "../store/votes.js";
import { readingVisibility } from "../viewing.js";

export const articleHandlers = {
  /**
   * GET /articles?category=&status=&locale=&sort=popular&page=&limit=. Customers get the
   * published articles in their language (with fallback); agents get every article, or one
   * locale's with `?locale=`.
   */
  list_articles(req) {
    const viewer = viewerOf(req);
    const page = queryInt(req, "page", 1, 1, 10_000);
    const limit = queryInt(req, "limit", 20, 1, 100);
    const { total, rows } = listArticles({
      visibility: listVisibility(req, viewer),
      categoryId: categoryQuery(req),
      status: statusQuery(req),
      sort: req.query("sort") === "popular" ? "popular" : "id",
      limit,
      offset: (page - 1) * limit,
    });
    return { page, limit, total, articles: rows.map(articleSummaryJSON) };
  },

  /** GET /articles/:id, where `:id` is an id or a slug (a slug is found in the caller's language, with fallback). */
  get_article(req) {
    const viewer = viewerOf(req);
    const article = visibleArticle(req, viewer);
    // Agents reading while they edit are not readers.
    if (!viewer.canEdit) {
      countView(article.id);
      article.views++;
    }
    const category = article.category_id === null ? null : findCategory(article.category_id);
    return {
      ...articleJSON(article, viewer.canEdit),
      body_html: articleBodyHTML(article.body),
      category: category === null ? null : { id: category.id, slug: category.slug, name: category.name },
      translations: translationsOf(article.slug, !viewer.canEdit),
      your_vote: viewer.userId === null ? null : voteOf(article.id, viewer.userId),
    };
  },

  /** POST /articles */
  create_article(req) {
    const viewer = requireEditor(req, "creating an article");
    const article = createArticle(req, jsonBody(req, ARTICLE_EXAMPLE), viewer);
    return new Response(201).header("location", `/api/plugins/faq/articles/${article.id}`).json(articleJSON(article));
  },

  /** PUT /articles/:id: any of title, body, slug, locale, category_id, status; `expected_version` guards against lost updates. */
  update_article(req) {
    const viewer = requireEditor(req, "editing an article");
    return articleJSON(editArticle(idParam(req, "id", "article"), jsonBody(req, '{"title": "...", "expected_version": 3}'), viewer));
  },

  /** DELETE /articles/:id, with its versions, votes and index entries. */
  delete_article(req) {
    requireEditor(req, "deleting an article");
    removeArticle(idParam(req, "id", "article"));
    return null;
  },
} satisfies Record<string, Handler>;

/** The article `:id` names (an id or a slug), if the caller may see it; 404 otherwise, drafts included. */
export function visibleArticle(req: Request, viewer: Viewer): ArticleRow {
  const ref = req.param("id");
  const visibility = readingVisibility(req, viewer);
  if (/^[0-9]+$/.test(ref)) {
    const article = findArticle(idParam(req, "id", "article"));
    if (article === null || !isVisible(article, visibility)) throw notFound(`article ${ref} not found`);
    return article;
  }
  const article = findVisibleBySlug(ref, visibility);
  if (article === null) throw notFound(`no article with the slug "${ref}" in ${visibility.locales!.join(", ")}`);
  return article;
}

function listVisibility(req: Request, viewer: Viewer): Visibility {
  if (!viewer.canEdit) return readingVisibility(req, viewer);
  const raw = req.query("locale");
  if (raw === "") return { publishedOnly: false, locales: null };
  const locale = normalizeLocale(raw);
  if (locale === null) throw badRequest(`?locale= must be a BCP 47 language tag such as "en" or "de-AT", got "${raw}"`);
  return { publishedOnly: false, locales: [locale] };
}

/** `?category=3`, `?category=none` (uncategorized), or absent. */
function categoryQuery(req: Request): number | null | undefined {
  const raw = req.query("category");
  if (raw === "") return undefined;
  if (raw === "none") return null;
  if (!/^[0-9]{1,15}$/.test(raw) || Number(raw) < 1) throw badRequest(`?category= must be a category id or "none", got "${raw}"`);
  return Number(raw);
}

function statusQuery(req: Request): ArticleStatus | undefined {
  const raw = req.query("status");
  if (raw === "" || raw === "all") return undefined;
  if (raw !== "draft" && raw !== "published") throw badRequest(`?status= must be "draft", "published" or "all", got "${raw}"`);
  return raw;
}
