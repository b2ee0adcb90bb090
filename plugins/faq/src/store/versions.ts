/** Rows of `faq_article_versions`: each earlier state of an article, kept when it is edited. */
import { host } from "@goatkit/sdk/guest";
import type { ArticleRow, ArticleStatus } from "./articles.js";

export interface VersionRow {
  article_id: number;
  version: number;
  category_id: number | null;
  slug: string;
  locale: string;
  title: string;
  body: string;
  status: ArticleStatus;
  /** Who saved this version, and when. */
  edited_by: number | null;
  edited_at: string;
  /** When a later edit replaced it. */
  archived_at: string;
}

export type VersionSummaryRow = Omit<VersionRow, "body">;

const COLUMNS = "article_id, version, category_id, slug, locale, title, body, status, edited_by, edited_at, archived_at";

/** Keeps the article as it is now; fails when this version is already kept ((article_id, version) is unique). */
export function archiveVersion(article: ArticleRow, now: string): void {
  host.dbExec(
    `INSERT INTO faq_article_versions (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [article.id, article.version, article.category_id, article.slug, article.locale, article.title, article.body, article.status, article.updated_by, article.updated_at, now],
  );
}

/** Earlier versions, newest first. */
export function listVersions(articleId: number): VersionSummaryRow[] {
  return host.dbQuery<VersionSummaryRow>(
    "SELECT article_id, version, category_id, slug, locale, title, status, edited_by, edited_at, archived_at FROM faq_article_versions WHERE article_id = ? ORDER BY version DESC",
    [articleId],
  );
}

export function findVersion(articleId: number, version: number): VersionRow | null {
  return host.dbQuery<VersionRow>(`SELECT ${COLUMNS} FROM faq_article_versions WHERE article_id = ? AND version = ?`, [articleId, version])[0] ?? null;
}

export function deleteVersions(articleId: number): void {
  host.dbExec("DELETE FROM faq_article_versions WHERE article_id = ?", [articleId]);
}
