import { createHash, randomBytes } from "node:crypto";
import type { TokenUser } from "./auth.js";
import type { Session } from "./sessions.js";

/**
 * A plugin page's sign-in: the rights of one user on one plugin's routes
 * (`/api/plugins/<plugin>/...`) and nowhere else, for a short time. The dashboard asks for one
 * (`POST /api/capabilities`) for a page it opened and hands it over with postMessage, so no
 * person ever types a token into a plugin's page.
 */
export interface Capability {
  plugin: string;
  user: TokenUser;
  expiresAt: number;
  /** The dashboard session it was asked for: signing out ends it too. */
  session: Session | null;
}

export interface CapabilitiesOptions {
  /** How long a capability lasts (default 15 minutes). */
  ttlMs?: number;
  /** Most capabilities kept; minting one more ends the oldest (default 5000). */
  max?: number;
  now?: () => number;
}

/** Capabilities in memory, kept as SHA-256 digests of their tokens like sessions. */
export class Capabilities {
  readonly #byDigest = new Map<string, Capability>();
  readonly ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;

  constructor(options: CapabilitiesOptions = {}) {
    this.ttlMs = options.ttlMs ?? 15 * 60 * 1000;
    this.#max = options.max ?? 5000;
    this.#now = options.now ?? Date.now;
  }

  /** Mints a capability; the token is the bearer value a page sends. */
  mint(plugin: string, user: TokenUser, session: Session | null): { token: string; capability: Capability } {
    // The prefix lets the host tell a capability from a configured token without a lookup.
    const token = `${CAPABILITY_PREFIX}${randomBytes(32).toString("base64url")}`;
    const capability: Capability = { plugin, user, session, expiresAt: this.#now() + this.ttlMs };
    this.#byDigest.set(digest(token), capability);
    while (this.#byDigest.size > this.#max) this.#byDigest.delete(this.#byDigest.keys().next().value!);
    return { token, capability };
  }

  /** The capability of a token: live, expired (dropped now), or unknown. */
  lookup(token: string): { state: "live"; capability: Capability } | { state: "expired" | "unknown" } {
    const key = digest(token);
    const capability = this.#byDigest.get(key);
    if (!capability) return { state: "unknown" };
    const now = this.#now();
    if (capability.expiresAt <= now || (capability.session && (capability.session.closed || capability.session.expiresAt <= now))) {
      this.#byDigest.delete(key);
      return { state: "expired" };
    }
    return { state: "live", capability };
  }
}

export const CAPABILITY_PREFIX = "gkcap_";

function digest(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
