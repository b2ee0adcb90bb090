import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, ADMIN_TOKEN, manifest, pluginsDir, startPlatform, writePlugin, type Platform } from "./support/platform.js";
import { watPlugin } from "./support/wat-plugin.js";

const SANDBOX = "sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads";

describe("the dashboard's session and the confinement of plugin documents", () => {
  let platform: Platform;
  let plugins: Awaited<ReturnType<typeof pluginsDir>>;

  beforeAll(async () => {
    plugins = await pluginsDir();
    const folder = await writePlugin(
      plugins.dir,
      "pages",
      manifest("pages", {
        routes: [
          { method: "GET", path: "/page", handler: "page" },
          { method: "GET", path: "/own-policy", handler: "own_policy" },
          { method: "GET", path: "/sign-out", handler: "sign_out" },
          { method: "POST", path: "/take-over", handler: "take_over" },
          { method: "GET", path: "/own-cookie", handler: "own_cookie" },
          { method: "GET", path: "/bad-header", handler: "bad_header" },
        ],
        widgets: [{ id: "card", title: "Card", handler: "card", location: "agent_home", size: "small" }],
      }),
      watPlugin("pages", "1.0.0", {
        page: { text: JSON.stringify({ gk_response: { headers: { "content-type": "text/html; charset=utf-8" }, body: "<h1>Page</h1>" } }) },
        own_policy: { text: JSON.stringify({ gk_response: { headers: { "content-type": "text/html; charset=utf-8", "content-security-policy": "img-src 'none'" }, body: "<h1>Own</h1>" } }) },
        card: { text: "<p>card</p>" },
        // Every spelling the envelope allows; names are case-insensitive, so all reach Set-Cookie.
        sign_out: { text: '{"gk_response": {"headers": {"Set-Cookie": "goatkit_session=; Max-Age=0; Path=/", "SET-COOKIE": "GOATKIT_SESSION=x; Path=/api", "set-cookie": "goatkit_session=evil; Path=/api; HttpOnly"}, "body": "bye"}}' },
        take_over: { text: JSON.stringify({ gk_response: { status: 201, headers: { "Set-Cookie2": "goatkit_session=evil", "set-cookie": "goatkit_session=planted; Path=/; Max-Age=43200" }, body: { ok: true } } }) },
        own_cookie: { text: JSON.stringify({ gk_response: { headers: { "set-cookie": "pages_pref=dark; Path=/api/plugins/pages/" }, body: "ok" } }) },
        // A header value with a line break would split the response: it never reaches the client.
        bad_header: { text: JSON.stringify({ gk_response: { headers: { "X-Note": "one\r\nset-cookie: goatkit_session=evil" }, body: "ok" } }) },
      }),
    );
    await mkdir(join(folder, "static"), { recursive: true });
    await writeFile(join(folder, "static", "index.html"), "<h1>Static</h1>");
    await writeFile(join(folder, "static", "logo.svg"), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    platform = await startPlatform({ managerOptions: { pluginsDir: plugins.dir, isolation: "in-process" } });
  });
  afterAll(async () => {
    await platform?.close();
    await plugins?.remove();
  });

  async function openSession(): Promise<{ cookie: string; csrf: string; setCookie: string; body: Record<string, unknown> }> {
    const res = await fetch(`${platform.url}/api/session`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(201);
    const setCookie = res.headers.get("set-cookie")!;
    const body = (await res.json()) as Record<string, unknown>;
    return { cookie: setCookie.split(";")[0]!, csrf: body.csrf as string, setCookie, body };
  }

  it("exchanges a bearer token for an HttpOnly, SameSite=Strict session cookie", async () => {
    const { setCookie, body, cookie } = await openSession();
    expect(setCookie).toMatch(/^goatkit_session=[\w-]{43}; Max-Age=43200; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(setCookie).not.toContain(ADMIN_TOKEN);
    expect(body).toMatchObject({ user: ADMIN, csrf: expect.stringMatching(/^[\w-]{43}$/) });
    const me = await fetch(`${platform.url}/api/me`, { headers: { cookie } });
    expect(await me.json()).toEqual(ADMIN);
    const again = await fetch(`${platform.url}/api/session`, { headers: { cookie } });
    expect(await again.json()).toMatchObject({ csrf: body.csrf });
  });

  it("opens no session without a bearer token", async () => {
    const res = await fetch(`${platform.url}/api/session`, { method: "POST" });
    expect(res.status).toBe(401);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(await res.json()).toEqual({ error: "open a session by sending Authorization: Bearer <token> with a token from the server's configuration", code: "E_UNAUTHORIZED" });
  });

  it("refuses a state change signed in by the cookie without the session's CSRF token", async () => {
    const { cookie, csrf } = await openSession();
    const attempts: Array<Record<string, string>> = [{ cookie }, { cookie, "x-goatkit-csrf": "not-the-token" }];
    for (const headers of attempts) {
      const refused = await fetch(`${platform.url}/api/v1/plugins/pages/disable`, { method: "POST", headers });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toEqual({
        error: "POST with the dashboard's session cookie needs the session's CSRF token in the x-goatkit-csrf header (from GET /api/session); API clients send Authorization: Bearer <token> instead",
        code: "E_CSRF",
      });
    }
    expect((await platform.json<{ enabled: boolean }>("/api/v1/plugins/pages")).body.enabled).toBe(true);
    const done = await fetch(`${platform.url}/api/v1/plugins/pages/disable`, { method: "POST", headers: { cookie, "x-goatkit-csrf": csrf } });
    expect(done.status).toBe(200);
    expect((await platform.json<{ enabled: boolean }>("/api/v1/plugins/pages")).body.enabled).toBe(false);
    await platform.fetch("/api/v1/plugins/pages/enable", { method: "POST" });
  });

  it("signs out: the cookie is cleared and no longer signs in", async () => {
    const { cookie, csrf } = await openSession();
    const out = await fetch(`${platform.url}/api/session`, { method: "DELETE", headers: { cookie, "x-goatkit-csrf": csrf } });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/^goatkit_session=; Max-Age=0; Path=\/; HttpOnly; SameSite=Strict$/);
    expect((await fetch(`${platform.url}/api/me`, { headers: { cookie } })).status).toBe(401);
    expect((await fetch(`${platform.url}/api/session`, { headers: { cookie } })).status).toBe(401);
  });

  it.each([
    ["a plugin route", "/api/plugins/pages/page"],
    ["a static .html file", "/api/plugins/pages/static/index.html"],
    ["a static .svg file", "/api/plugins/pages/static/logo.svg"],
    ["a ?bare=1 widget", "/api/plugins/pages/widgets/card?bare=1"],
    ["a framed widget", "/api/plugins/pages/widgets/card"],
    ["the widgets of a location", "/api/widgets?location=agent_home"],
  ])("serves %s confined by a CSP sandbox without allow-same-origin", async (_what, path) => {
    const res = await platform.fetch(path);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toBe(SANDBOX);
  });

  // Regression: a plugin route answering `Set-Cookie: goatkit_session=...` signed the admin out
  // (or planted a session of its choosing). Cookies on this origin are the host's.
  it("drops every Set-Cookie a plugin answers with; the session still works", async () => {
    const { cookie, csrf } = await openSession();
    for (const [method, path] of [["GET", "/sign-out"], ["POST", "/take-over"], ["GET", "/own-cookie"], ["HEAD", "/sign-out"]] as const) {
      const res = await fetch(`${platform.url}/api/plugins/pages${path}`, { method, headers: { cookie, "x-goatkit-csrf": csrf } });
      expect(res.status, path).toBeLessThan(300);
      expect(res.headers.getSetCookie(), path).toEqual([]);
      expect(res.headers.has("set-cookie2"), path).toBe(false);
    }
    const me = await fetch(`${platform.url}/api/me`, { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual(ADMIN);
    const warnings = platform.host.logs.list("pages", "warn").map((l) => l.message);
    expect(warnings).toContain("sign_out: the response's Set-Cookie header was dropped: plugins cannot set cookies, which belong to the host (its session); keep state in the plugin's storage, or send it in the body");
    expect(warnings).toContain("take_over: the response's Set-Cookie, Set-Cookie2 headers were dropped: plugins cannot set cookies, which belong to the host (its session); keep state in the plugin's storage, or send it in the body");
  });

  it("answers 502 E_BAD_HEADER, naming the header, for a header value HTTP cannot carry", async () => {
    const res = await platform.fetch("/api/plugins/pages/bad-header");
    expect(res.status).toBe(502);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get("x-goatkit-plugin")).toBe("pages");
    expect(await res.json()).toEqual({
      code: "E_BAD_HEADER",
      error: 'plugin "pages" answered with the header "x-note": "one\\r\\nset-cookie: goatkit_session=evil", which HTTP cannot carry; header names are tokens, and values hold no line breaks or control characters',
    });
  });

  it("keeps a plugin's own policy beside the sandbox", async () => {
    const res = await platform.fetch("/api/plugins/pages/own-policy");
    expect(res.headers.get("content-security-policy")).toBe(`img-src 'none', ${SANDBOX}`);
  });
});
