import { messageOf } from "../errors.js";
import { TemplateError, where } from "./template-error.js";
import { Compiler, nodes, parser, transformer, type AstNode, type CompileFrame, type CompilerInstance, type NodeListNode } from "./nunjucks-internals.js";
import { USE_TAG, WITH_TAG } from "./tags.js";

/** The async filter every plugin function call is compiled to: `name(a, b)` → `CALL_FILTER("name", template, line, a, b)`. */
export const CALL_FILTER = "__goatkit_call";

/** The environment property compiled member lookups (`a.b`, `a["b"]`) go through: see `safeMemberLookup`. */
export const MEMBER_LOOKUP = "__goatkitMemberLookup";

/**
 * Names a template may not read: through them JavaScript's Function constructor is reachable
 * (`range.constructor("...")()` would run code in the host), and templates come from plugins.
 */
const BLOCKED_NAMES = new Set(["constructor", "__proto__", "prototype", "__defineGetter__", "__defineSetter__", "__lookupGetter__", "__lookupSetter__"]);

function blockedMessage(name: string): string {
  return `"${name}" cannot be read in a template: templates see data, not the JavaScript objects behind it`;
}

/** `obj[key]` as nunjucks reads it, refusing the names through which code could be reached. */
export function safeMemberLookup(lookup: (obj: unknown, key: unknown) => unknown): (obj: unknown, key: unknown) => unknown {
  return (obj, key) => {
    if (BLOCKED_NAMES.has(String(key))) throw new TemplateError("E_TEMPLATE", blockedMessage(String(key)), { fix: "read data fields only" });
    return lookup(obj, key);
  };
}

/** The compiled form of one template: what nunjucks' Template takes as `{ type: "code", obj }`. */
export type CompiledTemplate = Record<string, unknown>;

export interface CompileInput {
  source: string;
  name: string;
  /** The extension objects registered in the environment (their `tags` route `{% use %}`, `{% with %}`). */
  extensions: object[];
  /** Callables that stay plain calls: the environment's globals (`t`, `range`, ...). */
  globals: ReadonlySet<string>;
}

/**
 * Compiles a template so that plugin function calls are awaited wherever they appear.
 *
 * nunjucks evaluates `f(x)` synchronously: a function returning a promise would print
 * `[object Promise]`. Its async filters, though, are lifted out of expressions and awaited before
 * the statement that uses them (`{{ }}`, `{% set %}`, `{% if %}`, `{% for %}`, tag arguments). So
 * between parsing and nunjucks' own transform, every call of a bare name that is not a macro, an
 * import or a global is rewritten into one async filter that resolves the name at render time.
 */
export function compileTemplate(input: CompileInput): CompiledTemplate {
  let ast: AstNode;
  try {
    ast = parser.parse(input.source, input.extensions, {});
  } catch (error) {
    // nunjucks' parser errors carry the 1-based line and column, outside their message.
    const line = typeof (error as { lineno?: unknown }).lineno === "number" ? (error as { lineno: number }).lineno : null;
    throw new TemplateError("E_TEMPLATE_SYNTAX", `${where(input.name, line)}${cleanMessage(error)}`, { cause: error });
  }
  const local = new Set([...input.globals, "caller", "super", "loop"]);
  collectLocalCallables(ast, local);
  const rewritten = rewriteCalls(ast, local, input.name, false);
  const compiler = new TemplateCompiler(input.name, false);
  compiler.compile(transformer.transform(rewritten, [CALL_FILTER], input.name));
  // nunjucks runs its generated code the same way (Template#_compile).
  return new Function(compiler.getCode())() as CompiledTemplate;
}

/** Macros defined and imported by name in the template: calls to them stay synchronous. */
function collectLocalCallables(node: unknown, out: Set<string>): void {
  if (!is(node, nodes.Node)) return;
  const n = node as AstNode;
  if (is(n, nodes.Macro)) out.add(symbolName(n.name) ?? "");
  if (is(n, nodes.FromImport)) {
    for (const item of (n.names as NodeListNode).children) {
      const alias = is(item, nodes.Pair) ? (item.value as AstNode) : item;
      out.add(symbolName(alias) ?? "");
    }
  }
  for (const child of childrenOf(n)) collectLocalCallables(child, out);
}

function rewriteCalls(node: AstNode, local: ReadonlySet<string>, template: string, inMacro: boolean): AstNode {
  const name = is(node, nodes.Symbol) ? String(node.value) : is(node, nodes.LookupVal) && is(node.val, nodes.Literal) ? String((node.val as AstNode).value) : null;
  if (name !== null && BLOCKED_NAMES.has(name)) throw new TemplateError("E_TEMPLATE", `${where(template, node.lineno + 1)}${blockedMessage(name)}`);
  // Filters are FunCall nodes too; their arguments still get rewritten below.
  if (is(node, nodes.FunCall) && !is(node, nodes.Filter)) {
    const name = symbolName(node.name);
    const args = node.args as NodeListNode;
    args.children = args.children.map((arg) => rewriteCalls(arg, local, template, inMacro));
    if (name === null) node.name = rewriteCalls(node.name as AstNode, local, template, inMacro);
    if (name === null || local.has(name)) return node;
    const line = node.lineno + 1;
    if (inMacro) {
      throw new TemplateError("E_TEMPLATE", `${where(template, line)}${name}() is called inside a macro, where plugin functions cannot be awaited; call it outside the macro and pass its result in as an argument`);
    }
    const callArgs = new nodes.NodeList(node.lineno, node.colno, [
      new nodes.Literal(node.lineno, node.colno, name),
      new nodes.Literal(node.lineno, node.colno, template),
      new nodes.Literal(node.lineno, node.colno, line),
      ...args.children,
    ]);
    return new nodes.Filter(node.lineno, node.colno, new nodes.Symbol(node.lineno, node.colno, CALL_FILTER), callArgs);
  }
  const macro = inMacro || is(node, nodes.Macro) || is(node, nodes.Caller);
  if (is(node, nodes.NodeList)) {
    (node as NodeListNode).children = (node as NodeListNode).children.map((child) => rewriteCalls(child, local, template, macro));
    return node;
  }
  if (is(node, nodes.CallExtension)) {
    // `{% use %}` learns which template it is in (an included one, not the page), for messages.
    if (node.extName === USE_TAG) (node.args as NodeListNode).children.push(new nodes.Literal(node.lineno, node.colno, template));
    if (node.args) node.args = rewriteCalls(node.args as AstNode, local, template, macro);
    node.contentArgs = ((node.contentArgs as AstNode[] | undefined) ?? []).map((child) => (child ? rewriteCalls(child, local, template, macro) : child));
    return node;
  }
  for (const field of node.fields) {
    const value = node[field];
    if (is(value, nodes.Node)) node[field] = rewriteCalls(value as AstNode, local, template, macro);
  }
  return node;
}

function childrenOf(node: AstNode): unknown[] {
  if (is(node, nodes.NodeList)) return (node as NodeListNode).children;
  if (is(node, nodes.CallExtension)) return [node.args, ...((node.contentArgs as unknown[] | undefined) ?? [])];
  return node.fields.map((field) => node[field]);
}

/** `instanceof` without narrowing: every node class builds the same structural AstNode type. */
function is(node: unknown, type: abstract new (...args: never[]) => unknown): boolean {
  return node instanceof type;
}

function symbolName(node: unknown): string | null {
  return is(node, nodes.Symbol) ? String((node as AstNode).value) : null;
}

/**
 * nunjucks' code generator with two changes: member lookups go through `safeMemberLookup`, and
 * `{% with a=x, b=y %}…{% endwith %}` evaluates its bindings (their plugin calls already awaited
 * by the transform, which lifts async filters out of tag arguments) into a new scope that ends at
 * `endwith`, as in Pongo2 and Jinja2.
 */
const TemplateCompiler = class extends (Compiler as unknown as new (name: string, throwOnUndefined: boolean) => CompilerInstance) {
  compileLookupVal(node: AstNode, frame: CompileFrame): void {
    this._emit(`env.${MEMBER_LOOKUP}((`);
    this._compileExpression(node.target as AstNode, frame);
    this._emit("),");
    this._compileExpression(node.val as AstNode, frame);
    this._emit(")");
  }

  override compileCallExtension(node: AstNode, frame: CompileFrame, async?: boolean): void {
    if (node.extName !== WITH_TAG) {
      super.compileCallExtension(node, frame, async);
      return;
    }
    const bindings = ((node.args as NodeListNode).children[0] as NodeListNode).children;
    const scope = frame.push(true);
    this._emitLine("frame = frame.push(true);");
    for (const pair of bindings) {
      const name = String((pair.key as AstNode).value);
      const id = this._tmpid();
      this._emit(`var ${id} = `);
      this._compileExpression(pair.value as AstNode, frame);
      this._emitLine(";");
      scope.set(name, id);
      this._emitLine(`frame.set(${JSON.stringify(name)}, ${id});`);
    }
    this.compile((node.contentArgs as AstNode[])[0]!, scope);
    this._emitLine("frame = frame.pop();");
  }
};

function cleanMessage(error: unknown): string {
  const message = messageOf(error);
  return message.replace(/^\(unknown path\)\s*/, "").replace(/^Template render error:\s*/, "").trim();
}
