/** Rows of `faq_categories`. */
import { host } from "@goatkit/sdk/guest";
import { nowTimestamp } from "../clock.js";
import { compareText } from "../order.js";
import { visibleSql, type Visibility } from "./visibility.js";

export interface CategoryRow {
  id: number;
  slug: string;
  name: string;
  description: string;
  position: number;
  created_at: string;
  updated_at: string;
}

export interface CategoryFields {
  slug: string;
  name: string;
  description: string;
  position: number;
}

const COLUMNS = "id, slug, name, description, position, created_at, updated_at";

/** Every category, by position, then name, then id (sorted here: collations differ between databases). */
export function listCategories(): CategoryRow[] {
  const rows = host.dbQuery<CategoryRow>(`SELECT ${COLUMNS} FROM faq_categories ORDER BY id`);
  return rows.sort((a, b) => a.position - b.position || compareText(a.name, b.name) || a.id - b.id);
}

export function findCategory(id: number): CategoryRow | null {
  return host.dbQuery<CategoryRow>(`SELECT ${COLUMNS} FROM faq_categories WHERE id = ?`, [id])[0] ?? null;
}

export function findCategoryBySlug(slug: string): CategoryRow | null {
  return host.dbQuery<CategoryRow>(`SELECT ${COLUMNS} FROM faq_categories WHERE slug = ?`, [slug])[0] ?? null;
}

export function insertCategory(fields: CategoryFields): number {
  const now = nowTimestamp();
  const res = host.dbExec("INSERT INTO faq_categories (slug, name, description, position, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)", [
    fields.slug,
    fields.name,
    fields.description,
    fields.position,
    now,
    now,
  ]);
  // GoatFlow's db_exec reports no inserted id: the slug is unique.
  return res.lastInsertId !== null ? Number(res.lastInsertId) : findCategoryBySlug(fields.slug)!.id;
}

export function updateCategory(id: number, fields: CategoryFields): void {
  host.dbExec("UPDATE faq_categories SET slug = ?, name = ?, description = ?, position = ?, updated_at = ? WHERE id = ?", [
    fields.slug,
    fields.name,
    fields.description,
    fields.position,
    nowTimestamp(),
    id,
  ]);
}

export function deleteCategory(id: number): void {
  host.dbExec("DELETE FROM faq_categories WHERE id = ?", [id]);
}

/** How many articles of each category a viewer sees (uncategorized articles under `null`). */
export function visibleArticleCounts(visibility: Visibility): Map<number | null, number> {
  const where = visibleSql("a", visibility);
  const rows = host.dbQuery<{ category_id: number | null; articles: number }>(
    `SELECT a.category_id AS category_id, COUNT(*) AS articles FROM faq_articles a WHERE ${where.sql} GROUP BY a.category_id`,
    where.args,
  );
  return new Map(rows.map((row) => [row.category_id, row.articles]));
}

/** All articles of a category, in any status and language. */
export function countArticlesIn(id: number): number {
  return host.dbQuery<{ n: number }>("SELECT COUNT(*) AS n FROM faq_articles WHERE category_id = ?", [id])[0]?.n ?? 0;
}
