import { ConfigError } from "../errors.js";
import { createHash } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import type { PluginUser } from "../plugin/request.js";
import { jsonError } from "./http-error.js";
import { CAPABILITY_PREFIX, type Capabilities, type Capability } from "./capabilities.js";
import { CSRF_HEADER, SESSION_COOKIE, csrfMatches, type Session, type Sessions } from "./sessions.js";

/** A user a bearer token signs in as; `permissions` are plugin permissions (menu items use them). */
export interface TokenUser extends PluginUser {
  permissions?: string[];
}

/**
 * The Hono environment of the server: the signed-in user, or null, the browser session (with
 * its cookie value) when the user signed in through the session cookie, and the capability when
 * a plugin page signed in with one.
 */
export interface AppEnv {
  Variables: { user: TokenUser | null; session: { id: string; session: Session } | null; capability: Capability | null };
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

const ROLES = new Set(["agent", "admin", "customer"]);

/**
 * Bearer tokens and the users they sign in as. Tokens are kept as SHA-256 digests: lookups
 * then take the same time whatever prefix of a token a caller guessed.
 */
export class TokenAuth {
  readonly #users = new Map<string, TokenUser>();

  constructor(
    tokens: Record<string, TokenUser> = {},
    private readonly anonymous: TokenUser | null = null,
  ) {
    for (const [token, user] of Object.entries(tokens)) {
      if (token.length < 8) throw new ConfigError(`token for user "${user.login}" is ${token.length} characters long; use at least 8 (e.g. crypto.randomUUID())`, { fix: "use a token of at least 8 characters (e.g. crypto.randomUUID())" });
      if (!ROLES.has(user.role)) throw new ConfigError(`token for user "${user.login}" has role "${user.role}"; use "agent", "admin" or "customer"`, { fix: 'use the role "agent", "admin" or "customer"' });
      this.#users.set(digest(token), user);
    }
  }

  /** The user of an Authorization header: null without one; undefined when the token is unknown. */
  userOf(authorization: string | undefined): TokenUser | null | undefined {
    if (!authorization) return this.anonymous;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) return undefined;
    return this.#users.get(digest(match[1]!));
  }
}

/**
 * Signs the request in: by a bearer token (API clients; a wrong token is a 401 everywhere), else
 * by the dashboard's session cookie. A cookie-signed-in request that changes state must carry
 * the session's CSRF token in `x-goatkit-csrf`, which only the dashboard's own script can read;
 * without it the request is refused rather than run as the admin. A plugin page's capability
 * signs in to its plugin's routes only; everywhere else it is refused.
 */
export function identify(auth: TokenAuth, sessions: Sessions, capabilities: Capabilities): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set("capability", null);
    const authorization = c.req.header("authorization");
    // The cookie signs in only what the dashboard's own pages start: not requests from widget
    // frames or plugin documents (opaque origins: cross-site) nor from other sites, same-site
    // ones on another port included. Browsers without Fetch Metadata rely on SameSite=Strict.
    const site = c.req.header("sec-fetch-site");
    const cookieAllowed = site === undefined || site === "same-origin" || site === "none";
    const bearer = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] : undefined;
    if (bearer?.startsWith(CAPABILITY_PREFIX)) {
      const found = capabilities.lookup(bearer);
      if (found.state !== "live") {
        return jsonError(c, 401, "this capability has expired or was never issued (a restart or signing out ends them); a plugin page asks the dashboard that opened it for a fresh one (docs/http.md)", "E_CAPABILITY_EXPIRED", { "www-authenticate": 'Bearer error="invalid_token"' });
      }
      const { capability } = found;
      // c.req.path is the path the routes match, after the URL parser removed dot segments.
      const scope = `/api/plugins/${capability.plugin}/`;
      if (!c.req.path.startsWith(scope)) {
        return jsonError(c, 403, `a plugin page's capability signs in to ${scope}... only, not ${c.req.path}; the admin API and other plugins need an API token or the dashboard's session`, "E_CAPABILITY_SCOPE");
      }
      c.set("user", capability.user);
      c.set("session", null);
      c.set("capability", capability);
      return next();
    }
    // A plugin document (Origin: null) signs in with its capability, never with an API token a
    // person was talked into giving it.
    if (authorization && c.req.header("origin") === "null") {
      return jsonError(c, 403, "a plugin page cannot sign in with an API token; open it from the dashboard, which hands it a capability for its plugin's routes (docs/http.md)", "E_CAPABILITY_REQUIRED");
    }
    const cookie = authorization || !cookieAllowed ? undefined : getCookie(c, SESSION_COOKIE);
    const session = cookie ? sessions.get(cookie) : undefined;
    if (session && cookie) {
      if (!SAFE_METHODS.has(c.req.method) && !csrfMatches(c.req.header(CSRF_HEADER), session)) {
        return jsonError(c, 403, `${c.req.method} with the dashboard's session cookie needs the session's CSRF token in the ${CSRF_HEADER} header (from GET /api/session); API clients send Authorization: Bearer <token> instead`, "E_CSRF");
      }
      c.set("user", session.user);
      c.set("session", { id: cookie, session });
      return next();
    }
    // An expired or unknown session cookie counts as none: the dashboard then asks to sign in.
    const user = auth.userOf(authorization);
    if (user === undefined) {
      return jsonError(c, 401, "the bearer token is not recognised; send Authorization: Bearer <token> with a token from the server's configuration", "E_UNAUTHORIZED", {
        "www-authenticate": 'Bearer error="invalid_token"',
      });
    }
    c.set("user", user);
    c.set("session", null);
    await next();
  };
}

/** Middleware `auth` of docs/manifest.md: a signed-in user, else 401. */
export function requireUser(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!c.get("user")) return unauthorized(c);
    await next();
  };
}

/** Middleware `admin`: an administrator, else 401 (nobody signed in) or 403. */
export function requireAdmin(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const user = c.get("user");
    if (!user) return unauthorized(c);
    if (user.role !== "admin") return forbidden(c, user);
    await next();
  };
}

/** Checks a route's manifest middleware; returns the refusal, or null to go on. */
export function middlewareRefusal(c: Parameters<MiddlewareHandler<AppEnv>>[0], middleware: readonly string[]): Response | null {
  const user = c.get("user");
  if ((middleware.includes("auth") || middleware.includes("admin")) && !user) return unauthorized(c);
  if (middleware.includes("admin") && user && user.role !== "admin") return forbidden(c, user);
  return null;
}

function unauthorized(c: Parameters<MiddlewareHandler<AppEnv>>[0]): Response {
  return jsonError(c, 401, "sign in first: this requires a signed-in user; send Authorization: Bearer <token>", "E_UNAUTHORIZED", { "www-authenticate": "Bearer" });
}

function forbidden(c: Parameters<MiddlewareHandler<AppEnv>>[0], user: TokenUser): Response {
  return jsonError(c, 403, `this requires an administrator; user "${user.login}" has role "${user.role}"`, "E_FORBIDDEN");
}

function digest(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
