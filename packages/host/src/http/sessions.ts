import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { TokenUser } from "./auth.js";

/** The cookie a browser session travels in: HttpOnly, so no page script can read it. */
export const SESSION_COOKIE = "goatkit_session";
/** The header a cookie-signed-in request that changes state must carry (the session's CSRF token). */
export const CSRF_HEADER = "x-goatkit-csrf";

/** A browser session, opened by exchanging a bearer token (`POST /api/session`). */
export interface Session {
  user: TokenUser;
  /** Sent back in {@link CSRF_HEADER} on POST, PUT, PATCH and DELETE. */
  csrf: string;
  expiresAt: number;
  /** Set when the session is signed out or dropped, so what it opened ends with it. */
  closed?: boolean;
}

export interface SessionsOptions {
  /** How long a session lasts (default 12 hours). */
  ttlMs?: number;
  /** Most sessions kept; opening one more ends the oldest (default 1000). */
  max?: number;
  now?: () => number;
}

/**
 * Browser sessions of the dashboard, in memory (a restart signs people out; the printed
 * dashboard URL signs them in again). Session ids are kept as SHA-256 digests, like tokens.
 */
export class Sessions {
  readonly #byDigest = new Map<string, Session>();
  readonly ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;

  constructor(options: SessionsOptions = {}) {
    this.ttlMs = options.ttlMs ?? 12 * 60 * 60 * 1000;
    this.#max = options.max ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /** Opens a session for a user: the cookie value and the session. */
  open(user: TokenUser): { id: string; session: Session } {
    const id = randomBytes(32).toString("base64url");
    const session: Session = { user, csrf: randomBytes(32).toString("base64url"), expiresAt: this.#now() + this.ttlMs };
    this.#byDigest.set(digest(id), session);
    // Map order is insertion order: the first entries are the oldest.
    while (this.#byDigest.size > this.#max) {
      const oldest = this.#byDigest.keys().next().value!;
      this.#byDigest.get(oldest)!.closed = true;
      this.#byDigest.delete(oldest);
    }
    return { id, session };
  }

  /** The live session of a cookie value, if any. */
  get(id: string): Session | undefined {
    const key = digest(id);
    const session = this.#byDigest.get(key);
    if (session && session.expiresAt <= this.#now()) {
      this.#byDigest.delete(key);
      return undefined;
    }
    return session;
  }

  close(id: string): void {
    const key = digest(id);
    const session = this.#byDigest.get(key);
    if (session) session.closed = true;
    this.#byDigest.delete(key);
  }
}

/** True when a request's CSRF header is the session's token (compared in constant time). */
export function csrfMatches(given: string | undefined, session: Session): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(session.csrf);
  return a.length === b.length && timingSafeEqual(a, b);
}

function digest(id: string): string {
  return createHash("sha256").update(id).digest("hex");
}
