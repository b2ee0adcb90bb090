import { WIDGET_LOCATIONS, type Widget } from "@goatkit/sdk";
import { Hono, type Context } from "hono";
import type { PluginManager } from "../platform/plugin-manager.js";
import { middlewareRefusal, requireUser, type AppEnv } from "./auth.js";
import { jsonError } from "./http-error.js";
import { PLUGIN_CONTENT_POLICY } from "./plugin-content-policy.js";
import { requestEnvelope } from "./request-envelope.js";
import { widgetFrame, type RenderedWidget } from "./widget-frame.js";
import type { TemplateEngine } from "../templates/template-engine.js";
import { withTemplateRendered } from "./template-response.js";

const decoder = new TextDecoder();

/**
 * Widgets as HTML fragments: `GET /api/widgets?location=agent_home` renders every enabled
 * plugin's widgets for a location, each in its frame (JSON with `Accept: application/json`);
 * `GET /api/plugins/<name>/widgets/<id>` renders one (`?bare=1` without the frame).
 */
export function widgetsApi(manager: PluginManager, templates: TemplateEngine): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/api/widgets", requireUser(), async (c) => {
    const location = c.req.query("location");
    if (location !== undefined && !(WIDGET_LOCATIONS as readonly string[]).includes(location)) {
      return jsonError(c, 400, `unknown widget location "${location}"; use one of ${WIDGET_LOCATIONS.join(", ")}`, "E_BAD_REQUEST");
    }
    const targets = manager
      .list()
      .filter((p) => p.enabled && p.status !== "error")
      .flatMap((p) => p.widgets.filter((w) => location === undefined || w.location === location).map((widget) => ({ plugin: p.name, widget })));
    const rendered = await Promise.all(targets.map((t) => render(c, manager, templates, t.plugin, t.widget)));
    if (wantsJson(c)) return c.json(rendered.map((r) => ({ plugin: r.plugin, ...r.widget, status: r.status, html: r.html, error: r.error, frame: widgetFrame(r) })));
    const attribute = location ? ` data-location="${location}"` : "";
    c.header("content-security-policy", PLUGIN_CONTENT_POLICY);
    return c.html(`<div class="gk-widgets"${attribute}>${rendered.map(widgetFrame).join("")}</div>`);
  });

  // A plugin may serve its own route at this path; it is answered here only for a declared widget.
  app.get("/api/plugins/:name/widgets/:id", async (c, next) => {
    const name = c.req.param("name");
    const widget = manager.has(name) ? manager.manifest(name)?.widgets?.find((w) => w.id === c.req.param("id")) : undefined;
    if (!widget) return next();
    const refusal = middlewareRefusal(c, ["auth"]);
    if (refusal) return refusal;
    const rendered = await render(c, manager, templates, name, widget);
    if (wantsJson(c)) return c.json({ plugin: name, ...widget, status: rendered.status, html: rendered.html, error: rendered.error, frame: widgetFrame(rendered) });
    // Widget HTML opened as a page runs confined, like every document a plugin serves.
    c.header("content-security-policy", PLUGIN_CONTENT_POLICY);
    if (c.req.query("bare") !== undefined) {
      return rendered.error ? jsonError(c, rendered.status, rendered.error.message, rendered.error.code) : c.html(rendered.html, rendered.status === 204 ? 200 : (rendered.status as 200));
    }
    return c.html(widgetFrame(rendered), rendered.error ? (rendered.status as 500) : 200);
  });

  return app;
}

async function render(c: Context<AppEnv>, manager: PluginManager, templates: TemplateEngine, plugin: string, widget: Widget): Promise<RenderedWidget> {
  const input = await requestEnvelope(c, "widget", {});
  const response = await withTemplateRendered(templates, plugin, await manager.call(plugin, widget.handler, input), input);
  const html = response.error ? "" : typeof response.body === "string" ? response.body : decoder.decode(response.body);
  return { plugin, widget, status: response.status, html, error: response.error ?? null };
}

function wantsJson(c: Context): boolean {
  return c.req.query("format") === "json" || (c.req.header("accept") ?? "").includes("application/json");
}
