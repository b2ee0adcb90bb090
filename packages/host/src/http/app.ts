import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { dashboardAssets, dashboardAssetsApi } from "../dashboard/dashboard-assets.js";
import { dashboardPage } from "../dashboard/dashboard-page.js";
import type { JobScheduler } from "../jobs/job-scheduler.js";
import { MANAGER_LOG, type PluginManager } from "../platform/plugin-manager.js";
import type { PlatformPorts } from "../platform/platform-ports.js";
import { adminApi } from "./admin-api.js";
import { capabilityApi } from "./capability-api.js";
import type { Capabilities } from "./capabilities.js";
import { demoDeskApi } from "./demo-desk-api.js";
import { identify, requireUser, type AppEnv, type TokenAuth } from "./auth.js";
import type { EventStreams } from "./event-stream.js";
import { GoatKitError } from "../errors.js";
import { errorAnswer, jsonError } from "./http-error.js";
import { menuApi } from "./menu-api.js";
import { TemplateEngine } from "../templates/template-engine.js";
import { pagesApi, type Pages } from "./pages-api.js";
import { pluginRoutes } from "./plugin-routes.js";
import { sessionApi } from "./session-api.js";
import type { Sessions } from "./sessions.js";
import { staticFilesApi } from "./static-files-api.js";
import { widgetsApi } from "./widgets-api.js";

export interface AppParts {
  manager: PluginManager;
  /** The host's logs, audit trail, events, clock and database, as the HTTP layer may use them. */
  ports: PlatformPorts;
  scheduler: JobScheduler | null;
  auth: TokenAuth;
  sessions: Sessions;
  capabilities: Capabilities;
  streams: EventStreams;
  maxBodyBytes: number;
  dashboard: boolean;
  /** The application's templates and the pages rendered from them. */
  templates: { folders: string[]; pages: Pages };
  demoDesk: boolean;
}

/** The dashboard page's policy; its script and styles are files of this host. */
export const DASHBOARD_CONTENT_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The host's HTTP surface as a Hono app: dashboard, widgets, menu, admin API, plugin routes. */
export function createApp(parts: AppParts): Hono<AppEnv> {
  const { manager, ports, scheduler, auth, sessions, capabilities, streams, maxBodyBytes } = parts;
  const app = new Hono<AppEnv>();
  const templates = new TemplateEngine({ manager, folders: parts.templates.folders });

  app.onError((error, c) => {
    if (error instanceof GoatKitError) return errorAnswer(c, error);
    ports.logs.write(MANAGER_LOG, "error", `${c.req.method} ${c.req.path} failed: ${error.stack ?? error.message}`);
    return jsonError(c, 500, `unexpected error in the host while serving ${c.req.method} ${c.req.path}: ${error.message}; this is a bug in @goatkit/host, please report it`, "E_INTERNAL");
  });
  app.notFound((c) => jsonError(c, 404, `no endpoint ${c.req.method} ${c.req.path}; plugin routes are under /api/plugins/<name>/, the admin API under /api/v1/, the dashboard at /`, "E_NOT_FOUND"));

  const limitBody = bodyLimit({
    maxSize: maxBodyBytes,
    onError: (c) => jsonError(c, 413, `the request body is larger than this server's limit of ${maxBodyBytes} bytes; send less, or start the server with a larger maxBodyBytes`, "E_REQUEST_TOO_LARGE"),
  });
  // Only requests that carry a body (HTTP/1.1: Content-Length or Transfer-Encoding): asking for
  // the body of any other makes @hono/node-server build a whole fetch Request, a tenth of a
  // plugin route's cost under load.
  app.use("*", (c, next) => (c.req.raw.headers.has("content-length") || c.req.raw.headers.has("transfer-encoding") ? limitBody(c, next) : next()));
  app.use("*", identify(auth, sessions, capabilities));

  if (parts.dashboard) {
    const page = (c: Context<AppEnv>) => {
      // Scripts only from this host's own files (the dashboard's, under /dashboard/assets/): no
      // inline script runs, so neither do scripts or inline handlers that plugin widget HTML
      // carries into the frames that inherit this policy.
      c.header("content-security-policy", DASHBOARD_CONTENT_POLICY);
      c.header("cache-control", "no-store");
      return c.html(dashboardPage({ assets: dashboardAssets(), demoDesk: parts.demoDesk }));
    };
    app.get("/", page);
    app.get("/dashboard", page);
    app.route("/", dashboardAssetsApi());
  }

  app.get("/api/health", (c) => c.json({ status: "ok", plugins: manager.list().length }));
  app.get("/api/me", requireUser(), (c) => c.json(c.get("user")));
  app.route("/", sessionApi(sessions));
  app.route("/", capabilityApi(manager, capabilities));
  app.route("/", pagesApi(templates, parts.templates.pages));
  app.route("/", widgetsApi(manager, templates));
  app.route("/", menuApi(manager));
  app.route("/api/v1", adminApi(manager, scheduler, streams, ports));
  if (parts.demoDesk) app.route("/api/demo", demoDeskApi(manager, ports));
  app.route("/", staticFilesApi(manager));
  app.route("/", pluginRoutes(manager, templates));
  return app;
}
