import type { RequestInput } from "../plugin/request.js";
import { errorResponseOf, type PluginResponse } from "../plugin/response.js";
import type { TemplateEngine } from "../templates/template-engine.js";
import { TemplateError } from "../templates/template-error.js";

/**
 * A plugin's answer with its template rendered: a `gk_template` result becomes the HTML of the
 * plugin's `templates/<name>` for the request's user and language; other answers pass as they are.
 * A template that cannot be rendered is an error response naming the template and line.
 */
export async function withTemplateRendered(engine: TemplateEngine, plugin: string, response: PluginResponse, input: RequestInput): Promise<PluginResponse> {
  if (!response.template) return response;
  try {
    const body = await engine.renderPluginTemplate(plugin, response.template.name, response.template.context, { locale: input.locale ?? "en", user: input.user ?? null });
    return { status: response.status, headers: response.headers, body };
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    engine.manager.logs.write(plugin, "error", error.message, { code: error.code });
    return errorResponseOf(error);
  }
}
