/** The helpful / not-helpful vote: one per user and article; voting again changes the vote. */
import { Response, type Handler, type Request } from "@goatkit/sdk/guest";
import { requireUser, viewerOf } from "../access.js";
import { bumpGeneration } from "../cache.js";
import { nowTimestamp } from "../clock.js";
import { badRequest } from "../input.js";
import { setVoteCounts } from "../store/articles.js";
import { castVote, countVotes } from "../store/votes.js";
import { visibleArticle } from "./articles.js";

const FORM = "application/x-www-form-urlencoded";

export const voteHandlers = {
  /**
   * POST /articles/:id/vote with `{"helpful": true}` (JSON), or `helpful=yes|no` from the
   * portal's form, which is answered with a redirect back to the article.
   */
  vote(req) {
    const userId = requireUser(req, "voting");
    const article = visibleArticle(req, viewerOf(req));
    const fromForm = req.header("content-type").startsWith(FORM);
    const helpful = fromForm ? formVote(req.body) : jsonVote(req);
    castVote(article.id, userId, helpful, nowTimestamp());
    // Recounted from the votes, so the totals cannot drift from them.
    const counts = countVotes(article.id);
    setVoteCounts(article.id, counts.helpful, counts.notHelpful);
    bumpGeneration();
    if (fromForm) return new Response(303).header("location", `/api/plugins/faq/portal?article=${article.id}&voted=1`).text("");
    return { article_id: article.id, your_vote: helpful, helpful_count: counts.helpful, not_helpful_count: counts.notHelpful };
  },
} satisfies Record<string, Handler>;

function jsonVote(req: Request): boolean {
  const helpful = req.jsonObj<{ helpful?: unknown }>()?.helpful;
  if (typeof helpful !== "boolean") throw badRequest('the body must be {"helpful": true} or {"helpful": false}');
  return helpful;
}

function formVote(body: string): boolean {
  for (const pair of body.split("&")) {
    const [name, value] = pair.split("=");
    if (name === "helpful" && (value === "yes" || value === "no")) return value === "yes";
  }
  throw badRequest("the form must send helpful=yes or helpful=no");
}
