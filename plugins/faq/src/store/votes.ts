/** Rows of `faq_votes`: one helpful / not-helpful vote per user and article. */
import { HostError, host } from "@goatkit/sdk/guest";

/** Records the user's vote, replacing an earlier one. */
export function castVote(articleId: number, userId: number, helpful: boolean, now: string): void {
  const value = helpful ? 1 : 0;
  const args = [value, now, articleId, userId];
  // UPDATE, then INSERT: portable where INSERT ... ON CONFLICT / ON DUPLICATE KEY are not.
  if (host.dbExec("UPDATE faq_votes SET helpful = ?, updated_at = ? WHERE article_id = ? AND user_id = ?", args).rowsAffected > 0) return;
  try {
    host.dbExec("INSERT INTO faq_votes (article_id, user_id, helpful, created_at, updated_at) VALUES (?, ?, ?, ?, ?)", [articleId, userId, value, now, now]);
  } catch (error) {
    // The same user voting twice at once: the other insert won the unique key; update it instead.
    if (!(error instanceof HostError) || host.dbExec("UPDATE faq_votes SET helpful = ?, updated_at = ? WHERE article_id = ? AND user_id = ?", args).rowsAffected === 0) throw error;
  }
}

/** The user's vote on an article: true (helpful), false (not helpful) or null (none). */
export function voteOf(articleId: number, userId: number): boolean | null {
  const row = host.dbQuery<{ helpful: number }>("SELECT helpful FROM faq_votes WHERE article_id = ? AND user_id = ?", [articleId, userId])[0];
  return row === undefined ? null : row.helpful === 1;
}

/** Helpful and not-helpful votes counted from the votes themselves. */
export function countVotes(articleId: number): { helpful: number; notHelpful: number } {
  const rows = host.dbQuery<{ helpful: number; n: number }>("SELECT helpful, COUNT(*) AS n FROM faq_votes WHERE article_id = ? GROUP BY helpful", [articleId]);
  return { helpful: rows.find((row) => row.helpful === 1)?.n ?? 0, notHelpful: rows.find((row) => row.helpful === 0)?.n ?? 0 };
}

export function deleteVotes(articleId: number): void {
  host.dbExec("DELETE FROM faq_votes WHERE article_id = ?", [articleId]);
}
