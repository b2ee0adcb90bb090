/**
 * faq: the FAQ / Knowledge Base plugin. Categories and versioned articles per language, a
 * search index of its own (so ranking is the same on SQLite, PostgreSQL and MySQL), related
 * articles, helpful votes, a customer portal page and an agent widget. See README.md.
 */
import { Registration, definePlugin } from "@goatkit/sdk/guest";
import { articleHandlers } from "./handlers/articles.js";
import { categoryHandlers } from "./handlers/categories.js";
import { functionHandlers } from "./handlers/functions.js";
import { portalHandlers } from "./handlers/portal.js";
import { reindexHandlers } from "./handlers/reindex.js";
import { searchHandlers } from "./handlers/search.js";
import { versionHandlers } from "./handlers/versions.js";
import { voteHandlers } from "./handlers/votes.js";
import { widgetHandlers } from "./handlers/widget.js";

export default definePlugin({
  // Routes, widget and permissions live in manifest.json, which is what an administrator approves.
  register: new Registration("faq", "0.1.0").description("FAQ / Knowledge Base: articles, search, customer portal"),
  handlers: {
    ...categoryHandlers,
    ...articleHandlers,
    ...versionHandlers,
    ...searchHandlers,
    ...voteHandlers,
    ...portalHandlers,
    ...widgetHandlers,
    ...reindexHandlers,
    ...functionHandlers,
  },
});
