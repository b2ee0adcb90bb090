import { lexer, nodes, type AstNode, type Parser } from "./nunjucks-internals.js";

export const USE_TAG = "use";
export const WITH_TAG = "with";

/** What `{% use %}` does at render time; the engine provides it. */
export type UsePlugin = (context: { ctx: Record<string, unknown> }, name: string, template: string, line: number) => Promise<void>;

/**
 * `{% use my_plugin %}` (or `{% use "my-plugin" %}`): makes the plugin's declared functions
 * callable in the rest of the render, loading the plugin on first use. A bare name may spell
 * the plugin's `-` as `_`, since `-` is an operator in expressions.
 */
export class UseTag {
  readonly tags = [USE_TAG];

  constructor(private readonly use: UsePlugin) {}

  parse(parser: Parser): AstNode {
    const tag = parser.nextToken()!;
    const token = parser.nextToken();
    if (!token || (token.type !== lexer.TOKEN_SYMBOL && token.type !== lexer.TOKEN_STRING)) {
      parser.fail(`{% use %} needs a plugin name: {% use my_plugin %} or {% use "my-plugin" %}`, tag.lineno, tag.colno);
    }
    const after = parser.peekToken();
    if (after && after.type !== lexer.TOKEN_BLOCK_END) {
      const spelled = token.value + (after.value === "-" ? "-…" : ` ${after.value}`);
      parser.fail(`{% use ${spelled} %}: use takes one plugin name; write a name with "-" as my_plugin or quote it: {% use "my-plugin" %}`, after.lineno, after.colno);
    }
    parser.advanceAfterBlockEnd(tag.value);
    const args = new nodes.NodeList(tag.lineno, tag.colno, [new nodes.Literal(token.lineno, token.colno, token.value), new nodes.Literal(tag.lineno, tag.colno, tag.lineno + 1)]);
    return new nodes.CallExtensionAsync(this, "run", args);
  }

  /** `template` is added by the compiler (compile.ts), which knows the template's name. */
  run(context: { ctx: Record<string, unknown> }, name: string, line: number, template: string, done: (error: Error | null, output?: string) => void): void {
    this.use(context, name, template, line).then(
      () => done(null, ""),
      (error: Error) => done(error),
    );
  }
}

/**
 * `{% with stats=open_tickets(), top=top_articles(5) %}…{% endwith %}`: names bound for the
 * block. Commas between bindings are optional (Pongo2 separates them with spaces). The compiler
 * generates its code (compile.ts); `run` is never called.
 */
export class WithTag {
  readonly tags = [WITH_TAG];

  parse(parser: Parser): AstNode {
    const tag = parser.nextToken()!;
    const pairs: AstNode[] = [];
    for (;;) {
      const next = parser.peekToken();
      if (!next || next.type === lexer.TOKEN_BLOCK_END) break;
      if (pairs.length > 0 && parser.skip(lexer.TOKEN_COMMA)) continue;
      const name = parser.nextToken()!;
      if (name.type !== lexer.TOKEN_SYMBOL) parser.fail(`{% with %} expects name=value bindings, e.g. {% with stats=open_tickets() %}; found "${name.value}"`, name.lineno, name.colno);
      if (!parser.skipValue(lexer.TOKEN_OPERATOR, "=")) parser.fail(`{% with %}: "${name.value}" must be followed by =value, e.g. {% with ${name.value}=open_tickets() %}`, name.lineno, name.colno);
      const value = parser.parseExpression();
      pairs.push(new nodes.Pair(name.lineno, name.colno, new nodes.Symbol(name.lineno, name.colno, name.value), value));
    }
    if (pairs.length === 0) parser.fail("{% with %} needs at least one binding, e.g. {% with stats=open_tickets() %}", tag.lineno, tag.colno);
    parser.advanceAfterBlockEnd(tag.value);
    const body = parser.parseUntilBlocks("endwith");
    parser.advanceAfterBlockEnd();
    const args = new nodes.NodeList(tag.lineno, tag.colno, [new nodes.NodeList(tag.lineno, tag.colno, pairs)]);
    return new nodes.CallExtension(this, "run", args, [body]);
  }

  run(): string {
    return "";
  }
}
