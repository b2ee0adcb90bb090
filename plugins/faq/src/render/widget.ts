/** The agent widget "Top articles": an HTML fragment, every value escaped. */
import { escapeHTML } from "@goatkit/sdk/guest";
import type { ArticleSummaryRow } from "../store/articles.js";
import type { Labels } from "./labels.js";

export function topArticlesHTML(articles: readonly ArticleSummaryRow[], labels: Labels): string {
  if (articles.length === 0) return `<div class="faq-top-articles"><p class="faq-empty">${escapeHTML(labels.noArticles)}</p></div>`;
  const items = articles.map(
    (a) =>
      `<li data-article-id="${a.id}"><a href="/api/plugins/faq/portal?article=${a.id}">${escapeHTML(a.title)}</a> ` +
      `<span class="faq-stats">${escapeHTML(labels.helpful(a.helpful_count))} · ${escapeHTML(labels.views(a.views))}</span></li>`,
  );
  return `<div class="faq-top-articles"><ol>${items.join("")}</ol></div>`;
}
