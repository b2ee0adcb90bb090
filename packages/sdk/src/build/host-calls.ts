/**
 * Which host functions a TypeScript plugin calls, found with the type checker rather than by
 * matching text: a call through an alias (`const h = host; h.httpRequest(...)`) or a
 * destructured method resolves to the same declaration in the SDK. `gk plugin validate` checks
 * them against the manifest's permissions, as it checks a core module's imports.
 */
import type * as TS from "typescript";
import { HOST_FUNCTIONS, type CapabilityPermission, type HostFunctionName } from "../abi.js";
import { loadTypeScript, pluginProgram, where, type TypeScript } from "./type-check.js";

/** `host.<method>` of @goatkit/sdk/guest to the host function it calls. */
const METHOD_FUNCTIONS: Record<string, HostFunctionName> = {
  dbQuery: "db_query",
  dbExec: "db_exec",
  cacheGet: "cache_get",
  cacheGetBytes: "cache_get",
  cacheSet: "cache_set",
  cacheDelete: "cache_delete",
  httpRequest: "http_request",
  sendEmail: "send_email",
  scheduleJob: "schedule_job",
};

export interface HostCall {
  /** The method of `host`, e.g. `httpRequest`. */
  method: string;
  permission: CapabilityPermission;
  /** `file:line:column` of the first use. */
  at: string;
}

/** The host methods that need a permission and that the plugin's code uses, each once; `skipped` when TypeScript is not installed in the project. */
export function findHostCalls(entryPath: string, pluginDir: string): { calls: HostCall[] } | { skipped: string } {
  const ts = loadTypeScript(pluginDir);
  if (!ts) return { skipped: "typescript is not installed in the project (npm install -D typescript adds the check)" };
  const program = pluginProgram(ts, entryPath, pluginDir);
  const checker = program.getTypeChecker();
  const found = new Map<string, HostCall>();
  const visit = (node: TS.Node, file: TS.SourceFile): void => {
    let name: TS.Node | undefined;
    if (ts.isPropertyAccessExpression(node)) name = node.name;
    else if (ts.isBindingElement(node) && ts.isObjectBindingPattern(node.parent)) name = node.propertyName ?? node.name;
    if (name) {
      const method = sdkHostMethod(ts, checker, name);
      const fn = method === undefined ? undefined : METHOD_FUNCTIONS[method];
      const permission = fn && HOST_FUNCTIONS.find((f) => f.name === fn)?.permission;
      if (method && permission && !found.has(method)) found.set(method, { method, permission, at: where(file, name.getStart(file)) });
    }
    ts.forEachChild(node, (child) => visit(child, file));
  };
  for (const file of program.getSourceFiles()) {
    if (file.isDeclarationFile) continue;
    visit(file, file);
  }
  return { calls: [...found.values()] };
}

/** The method name when `name` refers to a method of the SDK's `host` object. */
function sdkHostMethod(ts: TypeScript, checker: TS.TypeChecker, name: TS.Node): string | undefined {
  let symbol: TS.Symbol | undefined;
  if (ts.isBindingElement(name.parent) && name.parent.propertyName === undefined) {
    // `const { httpRequest } = host`: the property of the destructured type.
    const type = checker.getTypeAtLocation(name.parent.parent);
    symbol = type.getProperty((name as TS.Identifier).text);
  } else if (ts.isBindingElement(name.parent)) {
    symbol = checker.getTypeAtLocation(name.parent.parent).getProperty((name as TS.Identifier).text);
  } else {
    symbol = checker.getSymbolAtLocation(name);
  }
  const declaration = symbol?.declarations?.[0];
  if (!declaration || !(ts.isMethodSignature(declaration) || ts.isMethodDeclaration(declaration))) return undefined;
  // The `host` object: `declare const host: { ... }` in the SDK's types, or `const host = { ... }` in its source.
  const owner = declaration.parent.parent;
  if (!owner || !ts.isVariableDeclaration(owner) || !ts.isIdentifier(owner.name) || owner.name.text !== "host") return undefined;
  if (!/[\\/](?:@goatkit[\\/]sdk|packages[\\/]sdk)[\\/]/.test(declaration.getSourceFile().fileName)) return undefined;
  return symbol!.name;
}
