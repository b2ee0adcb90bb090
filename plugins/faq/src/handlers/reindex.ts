/**
 * POST /reindex?after_id=: rebuilds the search index (admins). Needed after a failed write left
 * an article's postings stale, or after an upgrade changed the tokenizer. Works in batches so
 * one call stays within the host's per-call limits; repeat with `after_id` while `next_after_id`
 * is not null.
 */
import { PluginError, type Handler } from "@goatkit/sdk/guest";
import { bumpGeneration } from "../cache.js";
import { analyzeArticle } from "../search/analyze.js";
import { writePostings } from "../search/postings.js";
import { articleIdsAfter, articlesByIds, setLengths } from "../store/articles.js";

const BATCH = 200;

export const reindexHandlers = {
  reindex(req) {
    if (req.user?.role !== "admin") throw new PluginError("rebuilding the search index is for admins; mount the route with the \"admin\" middleware and sign in as an admin", 403, "FORBIDDEN");
    const afterId = Math.max(req.queryInt("after_id", 0), 0);
    const ids = articleIdsAfter(afterId, BATCH);
    const articles = articlesByIds(ids);
    let terms = 0;
    for (const id of ids) {
      const article = articles.get(id);
      if (article === undefined) continue;
      const analysis = analyzeArticle(article.title, article.body);
      setLengths(id, analysis.lengths);
      writePostings(id, analysis.terms);
      terms += analysis.terms.length;
    }
    bumpGeneration();
    return { reindexed: ids.length, terms, next_after_id: ids.length === BATCH ? ids[ids.length - 1]! : null };
  },
} satisfies Record<string, Handler>;
