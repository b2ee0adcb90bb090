/**
 * The customer portal: one self-contained HTML page (search box, categories, and either the
 * popular articles, a category, search results or one article). Every value from the database
 * or the request is escaped; highlighted snippets arrive escaped from the search.
 */
import { escapeHTML } from "@goatkit/sdk/guest";
import type { SearchPage } from "../search/search.js";
import type { ArticleRow, ArticleSummaryRow } from "../store/articles.js";
import type { Labels } from "./labels.js";

export interface PortalCategory {
  id: number;
  name: string;
  description: string;
  article_count: number;
}

export type PortalContent =
  | { kind: "home"; popular: ArticleSummaryRow[] }
  | { kind: "category"; category: PortalCategory; articles: ArticleSummaryRow[] }
  | { kind: "search"; results: SearchPage }
  | {
      kind: "article";
      article: ArticleRow;
      bodyHTML: string;
      related: { id: number; title: string }[];
      translations: { id: number; locale: string }[];
      /** Whether the viewer is signed in and may vote. */
      canVote: boolean;
      voted: boolean;
    }
  | { kind: "missing" };

export interface PortalModel {
  lang: string;
  labels: Labels;
  query: string;
  categories: PortalCategory[];
  activeCategoryId: number | null;
  content: PortalContent;
}

const STYLE = `
body{font-family:system-ui,sans-serif;margin:0;color:#1f2937;background:#f9fafb}
header{background:#1e3a8a;color:#fff;padding:1.5rem 2rem}
header a{color:#fff;text-decoration:none}
header form{margin-top:1rem;display:flex;gap:.5rem;max-width:40rem}
header input{flex:1;padding:.6rem;border-radius:.4rem;border:0;font-size:1rem}
header button{padding:.6rem 1rem;border-radius:.4rem;border:0;background:#fbbf24;font-weight:600}
.faq-layout{display:flex;gap:2rem;padding:2rem;max-width:72rem;margin:auto}
nav{min-width:14rem}
nav ul,main ul,main ol{list-style:none;padding:0}
nav li a{display:block;padding:.3rem 0;color:#1e3a8a}
nav li a[aria-current]{font-weight:700}
main{flex:1;background:#fff;border-radius:.6rem;padding:1.5rem 2rem;box-shadow:0 1px 3px #0002}
main li{margin:.8rem 0}
main a{color:#1e40af}
mark{background:#fde68a;padding:0 .1em}
.faq-snippet{color:#4b5563;margin:.2rem 0 0}
.faq-meta{color:#6b7280;font-size:.85rem}
.faq-vote button{margin-right:.5rem;padding:.4rem 1rem}
`;

export function portalPage(model: PortalModel): string {
  const l = model.labels;
  const categoryLinks = model.categories
    .filter((c) => c.article_count > 0)
    .map((c) => `<li><a href="?category=${c.id}"${c.id === model.activeCategoryId ? ' aria-current="page"' : ""}>${escapeHTML(c.name)}</a> <span class="faq-meta">${c.article_count}</span></li>`)
    .join("");
  return `<!doctype html>
<html lang="${escapeHTML(model.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHTML(titleOf(model))}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1><a href="?">${escapeHTML(l.helpCenter)}</a></h1>
<form method="get" action="" role="search">
<input type="search" name="q" value="${escapeHTML(model.query)}" placeholder="${escapeHTML(l.searchPlaceholder)}" aria-label="${escapeHTML(l.searchPlaceholder)}">
<button type="submit">${escapeHTML(l.search)}</button>
</form>
</header>
<div class="faq-layout">
<nav aria-label="${escapeHTML(l.categories)}">
<h2>${escapeHTML(l.categories)}</h2>
<ul class="faq-categories">${categoryLinks}</ul>
</nav>
<main>
${contentHTML(model)}
</main>
</div>
</body>
</html>
`;
}

function titleOf(model: PortalModel): string {
  const c = model.content;
  if (c.kind === "article") return `${c.article.title} · ${model.labels.helpCenter}`;
  if (c.kind === "category") return `${c.category.name} · ${model.labels.helpCenter}`;
  if (c.kind === "search") return `${model.query} · ${model.labels.helpCenter}`;
  return model.labels.helpCenter;
}

function contentHTML(model: PortalModel): string {
  const l = model.labels;
  const c = model.content;
  switch (c.kind) {
    case "home":
      return `<h2>${escapeHTML(l.popular)}</h2>${articleList(c.popular, l)}`;
    case "category":
      return `<h2>${escapeHTML(c.category.name)}</h2>${c.category.description === "" ? "" : `<p>${escapeHTML(c.category.description)}</p>`}${articleList(c.articles, l)}`;
    case "search": {
      const results = c.results;
      if (results.results.length === 0) return `<p class="faq-no-results">${escapeHTML(l.noResults(model.query))}</p>`;
      const items = results.results
        .map((r) => `<li class="faq-result" data-article-id="${r.id}"><a href="?article=${r.id}">${r.title_html}</a><p class="faq-snippet">${r.snippet_html}</p></li>`)
        .join("");
      return `<h2>${escapeHTML(l.results(results.total, model.query))}</h2><ol class="faq-results">${items}</ol>`;
    }
    case "article":
      return articleHTML(c, l);
    case "missing":
      return `<p>${escapeHTML(l.notFound)}</p><p><a href="?">${escapeHTML(l.back)}</a></p>`;
  }
}

function articleList(articles: readonly ArticleSummaryRow[], l: Labels): string {
  if (articles.length === 0) return `<p>${escapeHTML(l.noArticles)}</p>`;
  const items = articles
    .map((a) => `<li data-article-id="${a.id}"><a href="?article=${a.id}">${escapeHTML(a.title)}</a> <span class="faq-meta">${escapeHTML(l.helpful(a.helpful_count))}</span></li>`)
    .join("");
  return `<ul class="faq-articles">${items}</ul>`;
}

function articleHTML(c: Extract<PortalContent, { kind: "article" }>, l: Labels): string {
  const a = c.article;
  const vote = c.voted
    ? `<p class="faq-vote">${escapeHTML(l.thanks)}</p>`
    : c.canVote
      ? `<form class="faq-vote" method="post" action="/api/plugins/faq/articles/${a.id}/vote"><p>${escapeHTML(l.wasHelpful)}</p>` +
        `<button type="submit" name="helpful" value="yes">${escapeHTML(l.yes)}</button><button type="submit" name="helpful" value="no">${escapeHTML(l.no)}</button></form>`
      : "";
  const related =
    c.related.length === 0 ? "" : `<h2>${escapeHTML(l.related)}</h2><ul class="faq-related">${c.related.map((r) => `<li><a href="?article=${r.id}">${escapeHTML(r.title)}</a></li>`).join("")}</ul>`;
  const translations =
    c.translations.length === 0
      ? ""
      : `<p class="faq-meta">${escapeHTML(l.otherLanguages)}: ${c.translations.map((t) => `<a href="?article=${t.id}&amp;locale=${escapeHTML(t.locale)}" hreflang="${escapeHTML(t.locale)}">${escapeHTML(t.locale)}</a>`).join(", ")}</p>`;
  return (
    `<article lang="${escapeHTML(a.locale)}" data-article-id="${a.id}"><h2>${escapeHTML(a.title)}</h2>` +
    `<p class="faq-meta">${escapeHTML(l.updated)} ${escapeHTML(a.updated_at.slice(0, 10))} · ${escapeHTML(l.views(a.views))}</p>` +
    `${c.bodyHTML}</article>${vote}${translations}${related}`
  );
}
