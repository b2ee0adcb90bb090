/**
 * Writing articles: the row, its previous version, its postings in the index, and the cache
 * generation, in that order. The host offers no transactions across statements, so the order
 * is chosen to fail safe: the article row is written first (a failure after it leaves the
 * article saved with a stale index, which `POST /reindex` repairs), and the cache is
 * invalidated last, after everything it could have cached differently.
 */
import { HostError, type Request } from "@goatkit/sdk/guest";
import type { Viewer } from "./access.js";
import { bumpGeneration } from "./cache.js";
import { nowTimestamp } from "./clock.js";
import { badRequest, conflict, integerField, notFound, slugField, stringField, type Body } from "./input.js";
import { normalizeLocale, FALLBACK_LOCALE } from "./locale.js";
import { analyzeArticle } from "./search/analyze.js";
import { deletePostings, writePostings } from "./search/postings.js";
import { deleteArticle, findArticle, idOfSlug, insertArticle, updateArticle, type ArticleContent, type ArticleRow, type ArticleStatus } from "./store/articles.js";
import { findCategory } from "./store/categories.js";
import { archiveVersion, deleteVersions, findVersion } from "./store/versions.js";
import { deleteVotes } from "./store/votes.js";

const MAX_TITLE = 300;
const MAX_BODY = 100_000;

export const ARTICLE_EXAMPLE = '{"title": "Reset your password", "body": "Open Settings ...", "category_id": 1, "locale": "en", "status": "published"}';

/** Creates an article from a request body; returns it as stored. */
export function createArticle(req: Request, body: Body, viewer: Viewer): ArticleRow {
  const title = stringField(body, "title", { max: MAX_TITLE, required: true })!;
  const content: ArticleContent = {
    title,
    body: stringField(body, "body", { max: MAX_BODY, required: true })!,
    slug: slugField(body, title, "article")!,
    locale: localeField(body) ?? normalizeLocale(req.locale) ?? FALLBACK_LOCALE,
    category_id: categoryField(body) ?? null,
    status: statusField(body) ?? "draft",
  };
  checkSlugFree(content.slug, content.locale, null);
  const analysis = analyzeArticle(content.title, content.body);
  const id = insertArticle(content, analysis.lengths, viewer.userId, nowTimestamp());
  writePostings(id, analysis.terms);
  bumpGeneration();
  return findArticle(id)!;
}

/**
 * Applies the fields a request body sets. The article as it was is kept as a version first;
 * `expected_version` (optional) refuses the edit when someone saved since it was read.
 * An edit that changes nothing returns the article unchanged, without a new version.
 */
export function editArticle(id: number, body: Body, viewer: Viewer): ArticleRow {
  const current = requireArticle(id);
  const expected = integerField(body, "expected_version", { min: 1 });
  if (expected !== undefined && expected !== current.version) throw staleEdit(current, expected!);
  const title = stringField(body, "title", { max: MAX_TITLE });
  const content: ArticleContent = {
    title: title ?? current.title,
    body: stringField(body, "body", { max: MAX_BODY }) ?? current.body,
    slug: slugField(body, undefined, "article") ?? current.slug,
    locale: localeField(body) ?? current.locale,
    category_id: body.category_id === undefined ? current.category_id : categoryField(body)!,
    status: statusField(body) ?? current.status,
  };
  return saveEdit(current, content, viewer);
}

/** Makes an earlier version's title, body and category current again, as a new version. */
export function restoreVersion(current: ArticleRow, version: { title: string; body: string; category_id: number | null }, viewer: Viewer): ArticleRow {
  const category = version.category_id !== null && findCategory(version.category_id) === null ? current.category_id : version.category_id;
  return saveEdit(current, { ...current, title: version.title, body: version.body, category_id: category }, viewer);
}

/** Deletes an article with its versions, votes and postings. */
export function removeArticle(id: number): void {
  requireArticle(id);
  deletePostings(id);
  deleteVotes(id);
  deleteVersions(id);
  deleteArticle(id);
  bumpGeneration();
}

export function requireArticle(id: number): ArticleRow {
  const article = findArticle(id);
  if (article === null) throw notFound(`article ${id} not found`);
  return article;
}

function saveEdit(current: ArticleRow, content: ArticleContent, viewer: Viewer): ArticleRow {
  if (sameContent(current, content)) return current;
  if (content.slug !== current.slug || content.locale !== current.locale) checkSlugFree(content.slug, content.locale, current.id);
  const now = nowTimestamp();
  try {
    archiveVersion(current, now);
  } catch (error) {
    // Already archived, by a concurrent edit of the same version (the versioned UPDATE below
    // decides which edit wins) or by an earlier edit that failed after archiving: the row
    // holds this same content, so it stands.
    if (!(error instanceof HostError) || findVersion(current.id, current.version) === null) throw error;
  }
  const analysis = analyzeArticle(content.title, content.body);
  const publishedAt = content.status === "published" ? (current.status === "published" ? current.published_at : now) : current.published_at;
  if (!updateArticle(current.id, current.version, content, analysis.lengths, viewer.userId, now, publishedAt)) {
    throw staleEdit(findArticle(current.id) ?? current, current.version);
  }
  if (content.title !== current.title || content.body !== current.body) writePostings(current.id, analysis.terms);
  bumpGeneration();
  return findArticle(current.id)!;
}

function sameContent(a: ArticleContent, b: ArticleContent): boolean {
  return a.title === b.title && a.body === b.body && a.slug === b.slug && a.locale === b.locale && a.category_id === b.category_id && a.status === b.status;
}

function staleEdit(current: ArticleRow, edited: number) {
  return conflict(`article ${current.id} is at version ${current.version}, but the edit was made to version ${edited}; reload the article and apply the changes again`);
}

function checkSlugFree(slug: string, locale: string, exceptId: number | null): void {
  const existing = idOfSlug(slug, locale);
  if (existing !== null && existing !== exceptId) {
    throw conflict(`article ${existing} already has the slug "${slug}" in locale "${locale}"; choose another slug, or another locale for a translation`);
  }
}

function localeField(body: Body): string | undefined {
  const raw = stringField(body, "locale", { max: 35 });
  if (raw === undefined) return undefined;
  const locale = normalizeLocale(raw);
  if (locale === null) throw badRequest(`"locale" must be a BCP 47 language tag such as "en" or "de-AT", got "${raw}"`);
  return locale;
}

function categoryField(body: Body): number | null | undefined {
  const id = integerField(body, "category_id", { nullable: true, min: 1 });
  if (id !== undefined && id !== null && findCategory(id) === null) {
    throw badRequest(`category ${id} does not exist; create it with POST /api/plugins/faq/categories, or send "category_id": null`);
  }
  return id;
}

function statusField(body: Body): ArticleStatus | undefined {
  const status = stringField(body, "status", { max: 20 });
  if (status === undefined) return undefined;
  if (status !== "draft" && status !== "published") throw badRequest(`"status" must be "draft" or "published", got "${status}"`);
  return status;
}
