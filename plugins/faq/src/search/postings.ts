/**
 * The inverted index in `faq_postings`: one row per (term, article) with the term's count in
 * the title and in the body. Written on every article write; read by search and related.
 */
import { host, type SqlValue } from "@goatkit/sdk/guest";
import { placeholders, visibleSql, type Visibility } from "../store/visibility.js";
import type { TermCounts } from "./analyze.js";

/** One posting joined with its article's field lengths, as ranking needs it. */
export interface Posting {
  articleId: number;
  term: string;
  titleCount: number;
  bodyCount: number;
  titleLength: number;
  bodyLength: number;
  categoryId: number | null;
  slug: string;
}

export interface CorpusStats {
  /** Articles visible to the search. */
  documents: number;
  titleLengthTotal: number;
  bodyLengthTotal: number;
}

/** Rows per INSERT: 4 arguments each, well inside every database's parameter limit. */
const INSERT_BATCH = 100;
/** The host's row cap for one query. */
const MAX_POSTINGS = 10_000;

/** Replaces the article's postings. */
export function writePostings(articleId: number, terms: readonly TermCounts[]): void {
  deletePostings(articleId);
  for (let i = 0; i < terms.length; i += INSERT_BATCH) {
    const batch = terms.slice(i, i + INSERT_BATCH);
    const args: SqlValue[] = [];
    for (const t of batch) args.push(t.term, articleId, t.titleCount, t.bodyCount);
    host.dbExec(`INSERT INTO faq_postings (term, article_id, title_count, body_count) VALUES ${batch.map(() => "(?, ?, ?, ?)").join(", ")}`, args);
  }
}

export function deletePostings(articleId: number): void {
  host.dbExec("DELETE FROM faq_postings WHERE article_id = ?", [articleId]);
}

/** The postings of `terms` among the visible articles, by article id. */
export function postingsFor(terms: readonly string[], visibility: Visibility): Posting[] {
  if (terms.length === 0) return [];
  const where = visibleSql("a", visibility);
  const rows = host.dbQuery<{ article_id: number; term: string; title_count: number; body_count: number; title_length: number; body_length: number; category_id: number | null; slug: string }>(
    `SELECT p.article_id, p.term, p.title_count, p.body_count, a.title_length, a.body_length, a.category_id, a.slug
     FROM faq_postings p JOIN faq_articles a ON a.id = p.article_id
     WHERE p.term IN (${placeholders(terms.length)}) AND ${where.sql}
     ORDER BY p.article_id LIMIT ${MAX_POSTINGS}`,
    [...terms, ...where.args],
  );
  if (rows.length === MAX_POSTINGS) host.warn("a search matched more postings than one query returns; document frequencies are approximate", { terms });
  return rows.map((row) => ({
    articleId: row.article_id,
    term: row.term,
    titleCount: row.title_count,
    bodyCount: row.body_count,
    titleLength: row.title_length,
    bodyLength: row.body_length,
    categoryId: row.category_id,
    slug: row.slug,
  }));
}

/** The terms of one article with their counts. */
export function postingsOf(articleId: number): TermCounts[] {
  return host
    .dbQuery<{ term: string; title_count: number; body_count: number }>("SELECT term, title_count, body_count FROM faq_postings WHERE article_id = ?", [articleId])
    .map((row) => ({ term: row.term, titleCount: row.title_count, bodyCount: row.body_count }));
}

/** Size of the visible collection, for IDF and the average field lengths. */
export function corpusStats(visibility: Visibility): CorpusStats {
  const where = visibleSql("a", visibility);
  const row = host.dbQuery<{ documents: number; title_total: number | null; body_total: number | null }>(
    `SELECT COUNT(*) AS documents, SUM(a.title_length) AS title_total, SUM(a.body_length) AS body_total FROM faq_articles a WHERE ${where.sql}`,
    where.args,
  )[0];
  return { documents: row?.documents ?? 0, titleLengthTotal: Number(row?.title_total ?? 0), bodyLengthTotal: Number(row?.body_total ?? 0) };
}

/** In how many visible articles each of `terms` occurs. */
export function documentFrequencies(terms: readonly string[], visibility: Visibility): Map<string, number> {
  if (terms.length === 0) return new Map();
  const where = visibleSql("a", visibility);
  const rows = host.dbQuery<{ term: string; df: number }>(
    `SELECT p.term, COUNT(*) AS df FROM faq_postings p JOIN faq_articles a ON a.id = p.article_id
     WHERE p.term IN (${placeholders(terms.length)}) AND ${where.sql} GROUP BY p.term`,
    [...terms, ...where.args],
  );
  return new Map(rows.map((row) => [row.term, row.df]));
}
