import { createHash } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { PluginUser } from "../plugin/request.js";
import { jsonError } from "./http-error.js";

/** A user a bearer token signs in as; `permissions` are plugin permissions (menu items use them). */
export interface TokenUser extends PluginUser {
  permissions?: string[];
}

/** The Hono environment of the server: the signed-in user, or null. */
export interface AppEnv {
  Variables: { user: TokenUser | null };
}

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
      if (token.length < 8) throw new Error(`token for user "${user.login}" is ${token.length} characters long; use at least 8 (e.g. crypto.randomUUID())`);
      if (!ROLES.has(user.role)) throw new Error(`token for user "${user.login}" has role "${user.role}"; use "agent", "admin" or "customer"`);
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

/** Signs the request in when it carries a known bearer token; a wrong token is a 401 everywhere. */
export function identify(auth: TokenAuth): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const user = auth.userOf(c.req.header("authorization"));
    if (user === undefined) {
      return jsonError(c, 401, "the bearer token is not recognised; send Authorization: Bearer <token> with a token from the server's configuration", "E_UNAUTHORIZED", {
        "www-authenticate": 'Bearer error="invalid_token"',
      });
    }
    c.set("user", user);
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
