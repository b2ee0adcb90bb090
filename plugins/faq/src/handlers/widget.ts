/** The agent_home widget "Top articles": the most helpful published articles, then the most read. */
import { type Handler } from "@goatkit/sdk/guest";
import { cacheTtl, cached } from "../cache.js";
import { localeChain } from "../locale.js";
import { labelsFor } from "../render/labels.js";
import { topArticlesHTML } from "../render/widget.js";
import { listArticles } from "../store/articles.js";

const TOP_ARTICLES = 5;

export const widgetHandlers = {
  top_articles_widget(req) {
    // Published articles only: the widget shows agents what customers find useful.
    const visibility = { publishedOnly: true, locales: localeChain(req.locale) };
    return cached("widget", visibility, cacheTtl(req), () =>
      topArticlesHTML(listArticles({ visibility, sort: "popular", limit: TOP_ARTICLES, offset: 0 }).rows, labelsFor(visibility.locales)),
    );
  },
} satisfies Record<string, Handler>;
