/**
 * The `calendar_feed_tokens` table: the secret of each user's subscription URL of a calendar.
 * Only the SHA-256 of a secret is stored, so the table (readable by any plugin with `db:read`)
 * gives nobody a working URL; the secret itself is shown once, when it is made.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { host } from "@goatkit/sdk/guest";

export interface FeedToken {
  calendar_id: number;
  user_id: number;
  created_at: string;
  last_used_at: string | null;
}

/** 32 random bytes, base64url: 256 bits nobody can guess. */
function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const digest = (secret: string) => bytesToHex(sha256(new TextEncoder().encode(secret)));

/** Makes the user's secret for the calendar, replacing (and so revoking) the one before. */
export function issueFeedToken(calendarId: number, userId: number, now: string): string {
  const secret = newSecret();
  revokeFeedToken(calendarId, userId);
  host.dbExec("INSERT INTO calendar_feed_tokens (calendar_id, user_id, token_hash, created_at) VALUES (?, ?, ?, ?)", [calendarId, userId, digest(secret), now]);
  return secret;
}

/** Whether the user has a working URL for the calendar, and since when. */
export function feedTokenOf(calendarId: number, userId: number): FeedToken | null {
  return host.dbQuery<FeedToken>("SELECT calendar_id, user_id, created_at, last_used_at FROM calendar_feed_tokens WHERE calendar_id = ? AND user_id = ?", [calendarId, userId])[0] ?? null;
}

/** The token a secret belongs to, or null (never made, revoked or rotated). */
export function findFeedToken(secret: string): FeedToken | null {
  if (!/^[A-Za-z0-9_-]{43}$/.test(secret)) return null;
  return host.dbQuery<FeedToken>("SELECT calendar_id, user_id, created_at, last_used_at FROM calendar_feed_tokens WHERE token_hash = ?", [digest(secret)])[0] ?? null;
}

export function touchFeedToken(secret: string, now: string): void {
  host.dbExec("UPDATE calendar_feed_tokens SET last_used_at = ? WHERE token_hash = ?", [now, digest(secret)]);
}

/** Revokes the user's URL of the calendar; false when there was none. */
export function revokeFeedToken(calendarId: number, userId: number): boolean {
  return host.dbExec("DELETE FROM calendar_feed_tokens WHERE calendar_id = ? AND user_id = ?", [calendarId, userId]).rowsAffected > 0;
}

export function deleteCalendarFeedTokens(calendarId: number): void {
  host.dbExec("DELETE FROM calendar_feed_tokens WHERE calendar_id = ?", [calendarId]);
}
