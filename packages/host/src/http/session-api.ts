import { Hono, type Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "./auth.js";
import { jsonError } from "./http-error.js";
import { SESSION_COOKIE, type Session, type Sessions } from "./sessions.js";

/**
 * The dashboard's sign-in as a token exchange, so the admin token never sits in storage page
 * scripts can read: `POST /api/session` with `Authorization: Bearer <token>` sets an HttpOnly,
 * SameSite=Strict session cookie and answers the session's CSRF token; `GET /api/session`
 * answers it again (after a reload); `DELETE /api/session` signs out.
 */
export function sessionApi(sessions: Sessions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post("/api/session", (c) => {
    const user = c.get("user");
    if (!user || !c.req.header("authorization")) {
      return jsonError(c, 401, "open a session by sending Authorization: Bearer <token> with a token from the server's configuration", "E_UNAUTHORIZED", { "www-authenticate": "Bearer" });
    }
    const { id, session } = sessions.open(user);
    setCookie(c, SESSION_COOKIE, id, {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      maxAge: Math.floor(sessions.ttlMs / 1000),
      secure: new URL(c.req.url).protocol === "https:",
    });
    c.header("cache-control", "no-store");
    return c.json(describe(session), 201);
  });

  app.get("/api/session", (c) => {
    const current = c.get("session");
    if (!current) return jsonError(c, 401, "no session: sign in to the dashboard with an admin token, or send Authorization: Bearer <token>", "E_UNAUTHORIZED");
    c.header("cache-control", "no-store");
    return c.json(describe(current.session));
  });

  app.delete("/api/session", (c) => {
    const current = c.get("session");
    if (current) sessions.close(current.id);
    clearCookie(c);
    return c.body(null, 204);
  });

  return app;
}

function describe(session: Session) {
  return { user: session.user, csrf: session.csrf, expiresAt: new Date(session.expiresAt).toISOString() };
}

function clearCookie(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/", httpOnly: true, sameSite: "Strict" });
}
