/** Reads a QuickJS-binding plugin's script and description from its module's custom sections. */
import { messageOf } from "../../errors.js";
import { QUICKJS_CODE_SECTION, QUICKJS_SECTION, type QuickjsPluginMeta } from "@goatkit/sdk/abi";
import { PluginCallError, requireAbiVersion } from "../plugin-call-error.js";

export interface PluginScript {
  meta: QuickjsPluginMeta;
  script: string;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function pluginScript(module: WebAssembly.Module): PluginScript {
  const [metaBytes] = WebAssembly.Module.customSections(module, QUICKJS_SECTION);
  const [scriptBytes] = WebAssembly.Module.customSections(module, QUICKJS_CODE_SECTION);
  if (metaBytes === undefined || scriptBytes === undefined) {
    throw new PluginCallError("E_LOAD", `a QuickJS plugin needs the custom sections ${QUICKJS_SECTION} and ${QUICKJS_CODE_SECTION}; rebuild it with buildPlugin() from @goatkit/sdk (gk plugin build)`);
  }
  let meta: QuickjsPluginMeta;
  let script: string;
  try {
    meta = JSON.parse(utf8.decode(metaBytes)) as QuickjsPluginMeta;
    script = utf8.decode(scriptBytes);
  } catch (error) {
    throw new PluginCallError("E_LOAD", `the QuickJS plugin's sections are damaged (${messageOf(error)}); rebuild it`);
  }
  if (meta.engine !== "quickjs-ng") throw new PluginCallError("E_LOAD", `the plugin was built for the ${String(meta.engine)} engine; this host runs quickjs-ng scripts; rebuild it with a matching SDK`);
  requireAbiVersion(meta.abi);
  return { meta, script };
}
