/** The API's JSON shapes of stored rows. */
import type { ArticleRow, ArticleSummaryRow } from "./store/articles.js";
import type { CategoryRow } from "./store/categories.js";

export function articleSummaryJSON(row: ArticleSummaryRow) {
  return {
    id: row.id,
    slug: row.slug,
    locale: row.locale,
    title: row.title,
    status: row.status,
    category_id: row.category_id,
    version: row.version,
    views: row.views,
    helpful_count: row.helpful_count,
    not_helpful_count: row.not_helpful_count,
    created_at: row.created_at,
    updated_at: row.updated_at,
    published_at: row.published_at,
  };
}

/** The whole article; who wrote it only for agents and admins (`withAuthors`). */
export function articleJSON(row: ArticleRow, withAuthors = true) {
  const article = { ...articleSummaryJSON(row), body: row.body };
  return withAuthors ? { ...article, created_by: row.created_by, updated_by: row.updated_by } : article;
}

export function categoryJSON(row: CategoryRow, articleCount: number) {
  return { id: row.id, slug: row.slug, name: row.name, description: row.description, position: row.position, article_count: articleCount, created_at: row.created_at, updated_at: row.updated_at };
}
