/** Rows of `faq_articles`. */
import { host, type SqlValue } from "@goatkit/sdk/guest";
import { compareText } from "../order.js";
import { placeholders, visibleSql, type Visibility } from "./visibility.js";

export type ArticleStatus = "draft" | "published";

export interface ArticleRow {
  id: number;
  category_id: number | null;
  slug: string;
  locale: string;
  title: string;
  body: string;
  status: ArticleStatus;
  version: number;
  views: number;
  helpful_count: number;
  not_helpful_count: number;
  title_length: number;
  body_length: number;
  created_by: number | null;
  updated_by: number | null;
  created_at: string;
  updated_at: string;
  published_at: string | null;
}

/** What an edit sets; the counters, lengths and timestamps are the store's business. */
export interface ArticleContent {
  category_id: number | null;
  slug: string;
  locale: string;
  title: string;
  body: string;
  status: ArticleStatus;
}

/** Indexed words per field, kept with the article for BM25's length normalization. */
export interface ArticleLengths {
  title: number;
  body: number;
}

const COLUMNS =
  "id, category_id, slug, locale, title, body, status, version, views, helpful_count, not_helpful_count, title_length, body_length, created_by, updated_by, created_at, updated_at, published_at";
/** Everything but the body, for lists. */
const SUMMARY_COLUMNS =
  "a.id, a.category_id, a.slug, a.locale, a.title, a.status, a.version, a.views, a.helpful_count, a.not_helpful_count, a.created_at, a.updated_at, a.published_at";

export type ArticleSummaryRow = Omit<ArticleRow, "body" | "title_length" | "body_length" | "created_by" | "updated_by">;

export function findArticle(id: number): ArticleRow | null {
  return host.dbQuery<ArticleRow>(`SELECT ${COLUMNS} FROM faq_articles WHERE id = ?`, [id])[0] ?? null;
}

/** The article with this slug in the first locale of the visibility's chain that has it. */
export function findVisibleBySlug(slug: string, visibility: Visibility): ArticleRow | null {
  const where = visibleSql("a", visibility);
  return host.dbQuery<ArticleRow>(`SELECT ${prefixed(COLUMNS)} FROM faq_articles a WHERE a.slug = ? AND ${where.sql}`, [slug, ...where.args])[0] ?? null;
}

/** Whether the viewer may see this one article (drafts are for agents). */
export function isVisible(article: ArticleRow, visibility: Visibility): boolean {
  return !visibility.publishedOnly || article.status === "published";
}

/** The article's id with this slug and locale, if any. */
export function idOfSlug(slug: string, locale: string): number | null {
  return host.dbQuery<{ id: number }>("SELECT id FROM faq_articles WHERE slug = ? AND locale = ?", [slug, locale])[0]?.id ?? null;
}

/** The same article in every language the viewer may see, by locale. */
export function translationsOf(slug: string, publishedOnly: boolean): { id: number; locale: string; status: ArticleStatus }[] {
  const rows = host.dbQuery<{ id: number; locale: string; status: ArticleStatus }>(
    `SELECT id, locale, status FROM faq_articles WHERE slug = ?${publishedOnly ? " AND status = 'published'" : ""} ORDER BY id`,
    [slug],
  );
  return rows.sort((a, b) => compareText(a.locale, b.locale));
}

/** Articles by id (any order); missing ids are left out. */
export function articlesByIds(ids: readonly number[]): Map<number, ArticleRow> {
  if (ids.length === 0) return new Map();
  const rows = host.dbQuery<ArticleRow>(`SELECT ${COLUMNS} FROM faq_articles WHERE id IN (${placeholders(ids.length)})`, [...ids]);
  return new Map(rows.map((row) => [row.id, row]));
}

export interface ArticleListFilter {
  visibility: Visibility;
  categoryId?: number | null;
  status?: ArticleStatus;
  /** `popular`: most helpful votes, then most views; otherwise oldest first. */
  sort: "id" | "popular";
  limit: number;
  offset: number;
}

/** A page of article summaries, and how many match in all. */
export function listArticles(filter: ArticleListFilter): { total: number; rows: ArticleSummaryRow[] } {
  const where = visibleSql("a", filter.visibility);
  let sql = where.sql;
  const args: SqlValue[] = [...where.args];
  if (filter.categoryId !== undefined) {
    sql += filter.categoryId === null ? " AND a.category_id IS NULL" : " AND a.category_id = ?";
    if (filter.categoryId !== null) args.push(filter.categoryId);
  }
  if (filter.status !== undefined) {
    sql += " AND a.status = ?";
    args.push(filter.status);
  }
  const total = host.dbQuery<{ n: number }>(`SELECT COUNT(*) AS n FROM faq_articles a WHERE ${sql}`, args)[0]?.n ?? 0;
  // Integer keys only: ordering by text would differ between databases' collations.
  const order = filter.sort === "popular" ? "a.helpful_count DESC, a.views DESC, a.id" : "a.id";
  const rows = host.dbQuery<ArticleSummaryRow>(`SELECT ${SUMMARY_COLUMNS} FROM faq_articles a WHERE ${sql} ORDER BY ${order} LIMIT ? OFFSET ?`, [
    ...args,
    filter.limit,
    filter.offset,
  ]);
  return { total, rows };
}

export function insertArticle(content: ArticleContent, lengths: ArticleLengths, userId: number | null, now: string): number {
  const res = host.dbExec(
    `INSERT INTO faq_articles (category_id, slug, locale, title, body, status, version, views, helpful_count, not_helpful_count, title_length, body_length, created_by, updated_by, created_at, updated_at, published_at)
     VALUES (?, ?, ?, ?, ?, ?, 1, 0, 0, 0, ?, ?, ?, ?, ?, ?, ?)`,
    [
      content.category_id,
      content.slug,
      content.locale,
      content.title,
      content.body,
      content.status,
      lengths.title,
      lengths.body,
      userId,
      userId,
      now,
      now,
      content.status === "published" ? now : null,
    ],
  );
  // GoatFlow's db_exec reports no inserted id: slug and locale are unique together.
  return res.lastInsertId !== null ? Number(res.lastInsertId) : idOfSlug(content.slug, content.locale)!;
}

/**
 * Replaces the content and moves to the next version, only if the article is still at
 * `version`: false when someone else saved in between.
 */
export function updateArticle(id: number, version: number, content: ArticleContent, lengths: ArticleLengths, userId: number | null, now: string, publishedAt: string | null): boolean {
  const res = host.dbExec(
    `UPDATE faq_articles SET category_id = ?, slug = ?, locale = ?, title = ?, body = ?, status = ?, version = ?, title_length = ?, body_length = ?, updated_by = ?, updated_at = ?, published_at = ?
     WHERE id = ? AND version = ?`,
    [content.category_id, content.slug, content.locale, content.title, content.body, content.status, version + 1, lengths.title, lengths.body, userId, now, publishedAt, id, version],
  );
  return res.rowsAffected === 1;
}

/** Only the index lengths (a reindex after the tokenizer changed). */
export function setLengths(id: number, lengths: ArticleLengths): void {
  host.dbExec("UPDATE faq_articles SET title_length = ?, body_length = ? WHERE id = ?", [lengths.title, lengths.body, id]);
}

export function deleteArticle(id: number): void {
  host.dbExec("DELETE FROM faq_articles WHERE id = ?", [id]);
}

/** Counts a read; not a content change, so cached results stay valid (see README, "Caching"). */
export function countView(id: number): void {
  host.dbExec("UPDATE faq_articles SET views = views + 1 WHERE id = ?", [id]);
}

export function setVoteCounts(id: number, helpful: number, notHelpful: number): void {
  host.dbExec("UPDATE faq_articles SET helpful_count = ?, not_helpful_count = ? WHERE id = ?", [helpful, notHelpful, id]);
}

/** Ids after `afterId`, in order, for batched work over every article. */
export function articleIdsAfter(afterId: number, limit: number): number[] {
  return host.dbQuery<{ id: number }>("SELECT id FROM faq_articles WHERE id > ? ORDER BY id LIMIT ?", [afterId, limit]).map((row) => row.id);
}

function prefixed(columns: string): string {
  return columns
    .split(", ")
    .map((column) => `a.${column}`)
    .join(", ");
}
