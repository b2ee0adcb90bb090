import { dependenciesNote, pluginManifest, pluginTest, type GoatKitDependencies } from "./shared-files.js";
import { typeScriptTemplate } from "./typescript.js";

/**
 * Files of a new gRPC plugin in TypeScript (`gk plugin init --runtime grpc`): the same source
 * and test as a TypeScript WebAssembly plugin (the handler API does not depend on the runtime),
 * built to one executable that the host runs as a process.
 */
export function grpcTemplate(name: string, deps: GoatKitDependencies): Record<string, string> {
  const wasm = typeScriptTemplate(name, deps);
  const pkg = JSON.parse(wasm["package.json"]!) as Record<string, unknown>;
  const binary = `build/${name}.mjs`;
  // The npm package carries the executable instead of a module; no componentize-js override applies.
  pkg.files = ["manifest.json", binary];
  delete pkg.overrides;
  return {
    ...wasm,
    "package.json": `${JSON.stringify(pkg, null, 2)}\n`,
    "manifest.json": pluginManifest(name, { runtime: "grpc", grpc: { binary, health_check: true } }),
    "test/plugin.test.ts": pluginTest(name, { process: true }),
    "README.md": `# ${name}

A GoatKit gRPC plugin in TypeScript: the host runs it as a process that serves the plugin
contract (\`@goatkit/sdk/proto/plugin.proto\`) on a unix socket.

\`\`\`sh
npm install
npm run build   # src/index.ts -> ${binary}, one executable file (esbuild)
npm test        # runs the plugin in the GoatKit host on a demo help desk
\`\`\`

Handlers use the same API as WebAssembly plugins; here they may also be \`async\` and use Node's
modules. To run the plugin by hand: \`GOATFLOW_PLUGIN_SOCKET=/tmp/${name}.sock ./${binary}\`.
See the SDK's docs/grpc.md.
${dependenciesNote(deps)}`,
  };
}
