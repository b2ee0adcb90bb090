/** Routes for an article's history (agents and admins): earlier versions, and restoring one. */
import { type Handler, type Request } from "@goatkit/sdk/guest";
import { requireEditor } from "../access.js";
import { requireArticle, restoreVersion } from "../article-writes.js";
import { idParam, notFound } from "../input.js";
import { articleJSON } from "../json.js";
import type { ArticleRow } from "../store/articles.js";
import { findVersion, listVersions, type VersionRow } from "../store/versions.js";

export const versionHandlers = {
  /** GET /articles/:id/versions: the current version first, then the earlier ones, newest first. */
  list_versions(req) {
    requireEditor(req, "reading an article's versions");
    const article = requireArticle(idParam(req, "id", "article"));
    const current = { version: article.version, title: article.title, status: article.status, locale: article.locale, edited_by: article.updated_by, edited_at: article.updated_at, current: true };
    const earlier = listVersions(article.id).map((v) => ({ version: v.version, title: v.title, status: v.status, locale: v.locale, edited_by: v.edited_by, edited_at: v.edited_at, current: false }));
    return { article_id: article.id, current_version: article.version, versions: [current, ...earlier] };
  },

  /** GET /articles/:id/versions/:version */
  get_version(req) {
    requireEditor(req, "reading an article's versions");
    const { article, version } = versionOf(req);
    return version === null ? { ...versionJSONOfArticle(article), current: true } : { ...versionJSON(version), current: false };
  },

  /** POST /articles/:id/versions/:version/restore: the version's title, body and category become a new version. */
  restore_version(req) {
    const viewer = requireEditor(req, "restoring an article version");
    const { article, version } = versionOf(req);
    return articleJSON(version === null ? article : restoreVersion(article, version, viewer));
  },
} satisfies Record<string, Handler>;

/** The article, and the requested version (`null` when it is the current one). */
function versionOf(req: Request): { article: ArticleRow; version: VersionRow | null } {
  const article = requireArticle(idParam(req, "id", "article"));
  const number = idParam(req, "version", "version");
  if (number === article.version) return { article, version: null };
  const version = findVersion(article.id, number);
  if (version === null) throw notFound(`article ${article.id} has no version ${number}; it has versions 1 to ${article.version} (see GET /api/plugins/faq/articles/${article.id}/versions)`);
  return { article, version };
}

function versionJSON(v: VersionRow) {
  return { article_id: v.article_id, version: v.version, title: v.title, body: v.body, status: v.status, slug: v.slug, locale: v.locale, category_id: v.category_id, edited_by: v.edited_by, edited_at: v.edited_at };
}

function versionJSONOfArticle(a: ArticleRow) {
  return { article_id: a.id, version: a.version, title: a.title, body: a.body, status: a.status, slug: a.slug, locale: a.locale, category_id: a.category_id, edited_by: a.updated_by, edited_at: a.updated_at };
}
