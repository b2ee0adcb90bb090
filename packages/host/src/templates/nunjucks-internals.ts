/**
 * The parts of nunjucks 3.2.4 below its public API that the template pipeline uses: the parser,
 * the AST node classes, the CPS transformer and the code generator. nunjucks is pinned to that
 * exact version in package.json because these are not covered by its semver.
 */
import nunjucks from "nunjucks";
// @ts-expect-error: nunjucks ships no types for its internal modules.
import transformerModule from "nunjucks/src/transformer.js";

/** An AST node; fields differ per node type (`fields` names them). */
export interface AstNode {
  typename: string;
  lineno: number;
  colno: number;
  fields: string[];
  [field: string]: unknown;
}

export interface NodeListNode extends AstNode {
  children: AstNode[];
}

type NodeClass = new (lineno: number, colno: number, ...rest: unknown[]) => AstNode;

/** The node classes of nunjucks/src/nodes.js that the pipeline builds or recognises. */
export interface Nodes {
  Node: NodeClass;
  NodeList: new (lineno: number, colno: number, children?: AstNode[]) => NodeListNode;
  Root: NodeClass;
  Literal: new (lineno: number, colno: number, value: unknown) => AstNode;
  Symbol: new (lineno: number, colno: number, value: string) => AstNode;
  FunCall: NodeClass;
  LookupVal: NodeClass;
  Filter: new (lineno: number, colno: number, name: AstNode, args: NodeListNode) => AstNode;
  KeywordArgs: NodeClass;
  Pair: NodeClass;
  Macro: NodeClass;
  Caller: NodeClass;
  FromImport: NodeClass;
  Set: NodeClass;
  CallExtension: new (ext: object, prop: string, args: NodeListNode | null, contentArgs?: AstNode[]) => AstNode;
  CallExtensionAsync: new (ext: object, prop: string, args: NodeListNode | null, contentArgs?: AstNode[]) => AstNode;
}

/** What an extension's `parse` receives: nunjucks' Parser. */
export interface Parser {
  nextToken(withWhitespace?: boolean): { type: string; value: string; lineno: number; colno: number } | null;
  peekToken(): { type: string; value: string; lineno: number; colno: number } | null;
  skip(type: string): boolean;
  skipValue(type: string, value: string): boolean;
  skipSymbol(value: string): boolean;
  parseExpression(): AstNode;
  parseUntilBlocks(...names: string[]): NodeListNode;
  advanceAfterBlockEnd(name?: string): void;
  fail(message: string, lineno?: number, colno?: number): never;
}

/** nunjucks' code generator; `compileCallExtension` is overridden for `{% with %}`. */
export interface CompilerInstance {
  compile(node: AstNode, frame?: CompileFrame): void;
  getCode(): string;
  _emit(code: string): void;
  _emitLine(code: string): void;
  _tmpid(): string;
  _compileExpression(node: AstNode, frame: CompileFrame): void;
  compileCallExtension(node: AstNode, frame: CompileFrame, async?: boolean): void;
}

/** The compile-time frame: which template variable lives in which JavaScript variable. */
export interface CompileFrame {
  push(isolateWrites?: boolean): CompileFrame;
  set(name: string, value: string): void;
}

type CompilerClass = new (templateName: string, throwOnUndefined: boolean) => CompilerInstance;

const internals = nunjucks as unknown as {
  parser: { parse(src: string, extensions: object[], opts: object): AstNode };
  nodes: Nodes;
  compiler: { Compiler: CompilerClass };
  lexer: { TOKEN_SYMBOL: string; TOKEN_STRING: string; TOKEN_OPERATOR: string; TOKEN_COMMA: string; TOKEN_BLOCK_END: string };
};

export const parser = internals.parser;
export const nodes = internals.nodes;
export const lexer = internals.lexer;
export const Compiler = internals.compiler.Compiler;
export const transformer = transformerModule as { transform(ast: AstNode, asyncFilters: string[], name?: string): AstNode };
export { nunjucks };
