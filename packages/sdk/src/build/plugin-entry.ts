/**
 * The entry module the build bundles: it imports the author's plugin and links exactly one
 * binding, so the other binding's imports never reach the bundle.
 */

/** The import the component binding resolves at componentize time (wit/goatkit-plugin.wit). */
export const COMPONENT_HOST_IMPORT = "goatkit:plugin/host@0.1.0";

/** The world's exports: `register`, `handlers`, `call`. */
export function componentEntry(pluginPath: string): string {
  return [
    `import plugin from ${JSON.stringify(pluginPath)};`,
    `import { serveComponent } from "@goatkit/sdk/guest/component";`,
    `const served = serveComponent(plugin);`,
    `export function register() { return served.register(); }`,
    `export function handlers() { return served.handlers(); }`,
    `export function call(handler, request) { return served.call(handler, request); }`,
    "",
  ].join("\n");
}

/** Publishes the plugin on the global the host reads (the QuickJS binding runs a script). */
export function quickjsEntry(pluginPath: string): string {
  return [`import plugin from ${JSON.stringify(pluginPath)};`, `import { serveQuickjs } from "@goatkit/sdk/guest/quickjs";`, `serveQuickjs(plugin);`, ""].join("\n");
}

/** `gk_register` and one export per handler, as extism-js needs named exports. */
export function extismEntry(pluginPath: string, handlers: readonly string[]): string {
  return [
    `import plugin from ${JSON.stringify(pluginPath)};`,
    `import { serveExtism } from "@goatkit/sdk/guest/extism";`,
    `const served = serveExtism(plugin);`,
    `export function gk_register() { return served.register(); }`,
    ...handlers.map((name) => `export function ${name}() { return served.call(${JSON.stringify(name)}); }`),
    "",
  ].join("\n");
}

/** A gRPC process plugin: serve the definition on the socket the host names. */
export function processEntry(pluginPath: string): string {
  return [
    `import plugin from ${JSON.stringify(pluginPath)};`,
    `import { serveProcess } from "@goatkit/sdk/guest/process";`,
    `await serveProcess(plugin);`,
    "",
  ].join("\n");
}

/** Exposes the plugin definition to the build, which reads its handlers and registration. */
export function describeEntry(pluginPath: string): string {
  return `import plugin from ${JSON.stringify(pluginPath)};\nglobalThis.__goatkitPlugin = plugin;\n`;
}
