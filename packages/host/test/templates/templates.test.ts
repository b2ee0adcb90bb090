import { cp, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ManagerEvent } from "../../src/index.js";
import { AGENT_TOKEN, copyKitchenSink, pluginsDir, startPlatform, type Platform } from "../platform/support/platform.js";

// Templates through real HTTP: pages of the application and a plugin's own templates/, calling
// the functions of a real AssemblyScript plugin (fixtures/as-template-functions) in worker isolation.
const FIXTURE = new URL("../../../../fixtures/as-template-functions/", import.meta.url).pathname;

const PAGES: Record<string, string> = {
  "lazy.html": `{% use template_functions %}{% with call=describe_call("lazy", 1) %}<p>{{ call.args.text }}</p>{% endwith %}`,
  "twice.html": `{% use template_functions %}{% use "template-functions" %}{% use template_functions %}<p>{{ describe_call("twice", 2).args.count }}</p>`,
  "args.html": [
    `{% use template_functions %}`,
    `{% with call=describe_call("tickets <open>", 3) other=describe_call(count=4, text="by name") %}`,
    `<p id="positional">{{ call.kind }}|{{ call.args.text }}|{{ call.args.count }}|{{ call.login }}|{{ call.locale }}</p>`,
    `<p id="keywords">{{ other.args.text }}|{{ other.args.count }}</p>`,
    `{% endwith %}`,
    `<p id="after">[{{ call }}]</p>`,
    `{% set n = describe_call("set", 5).args.count %}<p id="set">{{ n * 2 }}</p>`,
    `{% if describe_call("if", 1).args.count == 1 %}<p id="if">yes</p>{% endif %}`,
    `<ul>{% for i in [1, 2] %}<li>{{ describe_call("loop", i).args.count }}</li>{% endfor %}</ul>`,
    `<p id="direct">{{ describe_call("direct", 9).args.text }}</p>`,
    `<p id="with-in-loop">{% for i in [1, 2] %}{% if i %}{% with c=describe_call("w", i) %}{{ c.args.count }}:{{ loop.index }};{% endwith %}{% endif %}{% endfor %}</p>`,
    `<p id="nested">{{ describe_call(describe_call("inner", 1).args.text, 2).args.text }}</p>`,
    `<p id="filters">{{ describe_call("filtered", 7).args.text | upper }} {{ (describe_call("x", 7).args.count * 1.26) | round(1) }} {{ describe_call("x" | upper, 1).args.text }}</p>`,
  ].join("\n"),
  "escaping.html": `{% use template_functions %}<div id="text">{{ markup_text("<i>a</i>") }}</div><div id="html">{{ markup_html("b") }}</div><div id="context">{{ query.q }}</div>`,
  "failing.html": `{% use template_functions %}<p id="before">ok</p>{% with r=refuse() %}<p id="refused">{{ r.value }}</p>{% endwith %}<p id="spin">{{ spin() }}</p>{% for x in spin() %}{{ x }}{% else %}<p id="empty">none</p>{% endfor %}<p id="after">{{ describe_call("still works", 1).args.text }}</p>`,
  "wrong-type.html": `{% use template_functions %}\n\n{{ describe_call(5, 3) }}`,
  "missing-arg.html": `{% use template_functions %}{{ describe_call("only text") }}`,
  "unknown-keyword.html": `{% use template_functions %}{{ describe_call("a", 1, colour="red") }}`,
  "undeclared.html": `{% use template_functions %}\n{{ calculate_something("input") }}`,
  "not-used.html": `{% use kitchen_sink %}\n<p>\n{{ describe_call("x", 1) }}</p>`,
  "unknown-plugin.html": `{% use no_such_plugin %}`,
  "macro.html": `{% use template_functions %}\n{% macro row(x) %}\n<li>{{ describe_call(x, 1).args.text }}</li>{% endmacro %}{{ row("a") }}`,
  "disabled.html": `{% use template_functions %}<p>{{ describe_call("x", 1).args.text }}</p>`,
  "syntax.html": `{% use template_functions %}\n{% with call=describe_call("x", 1) %}{{ call }`,
  "dashed.html": `<p>\n{% use template-functions %}</p>`,
  "escape-static.html": `{{ range.constructor("return process.pid")() }}`,
  "escape-dynamic.html": `{% set key = "constr" + "uctor" %}{{ cycler[key]("return process.pid")() }}`,
  "escape-proto.html": `{{ joiner.__proto__ }}`,
  "range.html": `{% for i in range(100000) %}{{ i }}{% endfor %}`,
  "undefined-call.html": `<p>\n\n{{ query.nothing.here() }}</p>`,
  "registered.html": `{% use template_functions %}<p>{{ echo_registered("<declared in gk_register>") }}</p>`,
  "registered-typed.html": `{% use template_functions %}{{ echo_registered(1) }}`,
  "budget.html": `{% use template_functions %}{% for i in range(205) %}{{ describe_call("n", i).args.count }},{% endfor %}`,
  "outer.html": `{% use template_functions %}<p>outer</p>{% include "inner.html" %}`,
  "inner.html": `\n{{ describe_call(1, 2) }}`,
  "with-scope.html": `{% set call = "outer" %}{% use template_functions %}{% with call=describe_call("inner", 1) %}<p id="in">{{ call.args.text }}</p>{% endwith %}<p id="out">{{ call }}</p>`,
};

let platform: Platform;
let plugins: Awaited<ReturnType<typeof pluginsDir>>;
const events: ManagerEvent[] = [];

beforeAll(async () => {
  plugins = await pluginsDir();
  const folder = join(plugins.dir, "template-functions");
  for (const part of ["manifest.json", "build", "templates", "i18n"]) await cp(join(FIXTURE, part), join(folder, part), { recursive: true });
  await copyKitchenSink(plugins.dir);
  const pages = join(plugins.dir, "..", `${plugins.dir.split("/").at(-1)}-pages`);
  await mkdir(pages, { recursive: true });
  for (const [name, source] of Object.entries(PAGES)) await writeFile(join(pages, name), source);
  platform = await startPlatform({
    managerOptions: { pluginsDir: plugins.dir },
    templates: { folders: [pages], pages: Object.fromEntries(Object.keys(PAGES).map((name) => [`/pages/${name.replace(".html", "")}`, name])) },
  });
  platform.server.manager.on("*", (event) => events.push(event));
}, 60_000);

afterAll(async () => {
  await platform?.close();
  await plugins?.remove();
});

const page = async (name: string, init: { language?: string } = {}) => {
  const res = await platform.fetch(`/pages/${name}`, { token: AGENT_TOKEN, headers: init.language ? { "accept-language": init.language } : {} });
  return { status: res.status, html: await res.text(), headers: res.headers };
};
const loads = () => events.filter((e) => e.type === "loaded" && "plugin" in e && e.plugin === "template-functions").length;

describe("{% use %}", () => {
  it("loads the plugin on first use, not before", async () => {
    expect(platform.server.manager.info("template-functions").loaded).toBe(false);
    const { status, html } = await page("lazy");
    expect(status).toBe(200);
    expect(html).toBe("<p>lazy</p>");
    expect(platform.server.manager.info("template-functions").loaded).toBe(true);
    expect(loads()).toBe(1);
  });

  it("is idempotent: later uses, in the same render or the next, load nothing", async () => {
    const before = loads();
    expect((await page("twice")).html).toBe("<p>2</p>");
    expect((await page("twice")).html).toBe("<p>2</p>");
    expect(loads()).toBe(before);
  });

  it("names the installed plugins when the plugin does not exist", async () => {
    const { status, html } = await page("unknown-plugin");
    expect(status).toBe(500);
    expect(html).toContain('template &#34;unknown-plugin.html&#34; line 1: {% use no_such_plugin %}: no plugin named &#34;no_such_plugin&#34;; installed plugins: kitchen-sink, template-functions');
  });

  it("says how to write a plugin name with a dash", async () => {
    const { status, html } = await page("dashed");
    expect(status).toBe(500);
    expect(html).toContain("template &#34;dashed.html&#34; line 2: {% use template-… %}: use takes one plugin name; write a name with &#34;-&#34; as my_plugin or quote it: {% use &#34;my-plugin&#34; %}");
  });
});

describe("templates are data, not code", () => {
  // Plugins ship templates, and the host renders them on its own thread: a template must not
  // reach JavaScript's Function constructor (nunjucks alone lets range.constructor(...)() run code).
  it("refuse constructor and __proto__, written out or computed", async () => {
    const written = await page("escape-static");
    expect(written.status).toBe(500);
    expect(written.html).toContain("template &#34;escape-static.html&#34; line 1: &#34;constructor&#34; cannot be read in a template: templates see data, not the JavaScript objects behind it");
    expect(written.html).not.toContain(String(process.pid));
    const computed = await page("escape-dynamic");
    expect(computed.status).toBe(500);
    expect(computed.html).toContain("&#34;constructor&#34; cannot be read in a template");
    expect((await page("escape-proto")).html).toContain("&#34;__proto__&#34; cannot be read in a template");
  });

  it("cap range()", async () => {
    const { status, html } = await page("range");
    expect(status).toBe(500);
    expect(html).toContain("range(100000) would make 100000 numbers; a template may make at most 10000");
  });
});

describe("plugin functions", () => {
  it("are called with their arguments, by position or name, and awaited in every kind of expression", async () => {
    const { status, html } = await page("args", { language: "de-AT,de;q=0.9" });
    expect(status).toBe(200);
    expect(html).not.toContain("[object Promise]");
    expect(html).toContain('<p id="positional">function|tickets &lt;open&gt;|3|agent.smith|de-AT</p>');
    expect(html).toContain('<p id="keywords">by name|4</p>');
    expect(html).toContain('<p id="after">[]</p>');
    expect(html).toContain('<p id="set">10</p>');
    expect(html).toContain('<p id="if">yes</p>');
    expect(html).toContain("<ul><li>1</li><li>2</li></ul>");
    expect(html).toContain('<p id="direct">direct</p>');
    expect(html).toContain('<p id="with-in-loop">1:1;2:2;</p>');
    expect(html).toContain('<p id="nested">inner</p>');
    expect(html).toContain('<p id="filters">FILTERED 8.8 X</p>');
  });

  it("include those only gk_register declares, with their argument types", async () => {
    expect(await page("registered")).toMatchObject({ status: 200, html: "<p>&lt;declared in gk_register&gt;</p>" });
    const typed = await page("registered-typed");
    expect(typed.status).toBe(500);
    expect(typed.html).toContain("template-functions.echo_registered(text): argument &#34;text&#34; must be a string");
  });

  it("bind names for the with block only", async () => {
    const { html } = await page("with-scope");
    expect(html).toBe('<p id="in">inner</p><p id="out">outer</p>');
  });

  it("check arguments against the declared types", async () => {
    const wrong = await page("wrong-type");
    expect(wrong.status).toBe(500);
    expect(wrong.html).toContain("template &#34;wrong-type.html&#34; line 3: template-functions.describe_call(text, count): argument &#34;text&#34; must be a string (quote it, or pipe a value through | string), got number 5");
    expect((await page("missing-arg")).html).toContain("template-functions.describe_call(text, count): argument &#34;count&#34; is missing");
    expect((await page("unknown-keyword")).html).toContain("template-functions.describe_call(text, count): has no argument named &#34;colour&#34;");
  });

  it("name the included template the call is written in", async () => {
    const { status, html } = await page("outer");
    expect(status).toBe(500);
    expect(html).toContain("template &#34;inner.html&#34; line 2: template-functions.describe_call(text, count): argument &#34;text&#34; must be a string");
  });

  it("name the function and the plugins when it is not declared", async () => {
    const { status, html } = await page("undeclared");
    expect(status).toBe(500);
    expect(html).toContain(
      "template &#34;undeclared.html&#34; line 2: calculate_something() is not declared by the plugins this template uses (template-functions); their functions: template-functions.describe_call, template-functions.markup_text, template-functions.markup_html, template-functions.spin, template-functions.refuse, template-functions.echo_registered.",
    );
  });

  it("name the plugin to use when the template calls a function of a plugin it does not use", async () => {
    const { status, html } = await page("not-used");
    expect(status).toBe(500);
    expect(html).toContain('template &#34;not-used.html&#34; line 3: describe_call() is a function of plugin &#34;template-functions&#34;, which this template does not use; add {% use template_functions %} before line 3');
  });

  it("cannot be called inside macros, and say what to do instead", async () => {
    const { status, html } = await page("macro");
    expect(status).toBe(500);
    expect(html).toContain("template &#34;macro.html&#34; line 3: describe_call() is called inside a macro, where plugin functions cannot be awaited; call it outside the macro and pass its result in as an argument");
  });

  it("report render errors with the template's name and line", async () => {
    const { status, html } = await page("undefined-call");
    expect(status).toBe(500);
    expect(html).toContain("template &#34;undefined-call.html&#34; line 3: Unable to call `query[&#34;nothing&#34;][&#34;here&#34;]`, which is undefined or falsey");
  });

  it("report syntax errors with the template's name", async () => {
    const { status, html } = await page("syntax");
    expect(status).toBe(500);
    expect(html).toContain("template &#34;syntax.html&#34; line 2: expected variable end");
  });

  it("of a disabled plugin render placeholders instead of failing the page", async () => {
    await platform.server.manager.disable("template-functions");
    try {
      const { status, html } = await page("disabled");
      expect(status).toBe(200);
      expect(html).toContain('data-code="E_PLUGIN_DISABLED" role="status">template-functions.describe_call() is unavailable (E_PLUGIN_DISABLED)</span>');
      expect(platform.host.logs.list("template-functions").map((e) => e.message)).toContain(
        'template "disabled.html" line 1: {% use template_functions %} could not load the plugin; its functions render placeholders: plugin "template-functions" is disabled; an administrator can enable it (POST /api/v1/plugins/template-functions/enable)',
      );
    } finally {
      await platform.server.manager.enable("template-functions");
    }
  });

  it("are limited to 200 per render; later ones render placeholders, logged once", async () => {
    const { status, html } = await page("budget");
    expect(status).toBe(200);
    const cells = html.split(",").slice(0, -1);
    expect(cells.slice(0, 200)).toEqual(Array.from({ length: 200 }, (_, i) => String(i)));
    expect(cells.slice(200)).toEqual(Array(5).fill('<span class="gk-call-failed" data-plugin="template-functions" data-function="describe_call" data-code="E_CALL_BUDGET" role="status">template-functions.describe_call() is unavailable (E_CALL_BUDGET)</span>'));
    const logged = platform.host.logs.list("template-functions").filter((e) => e.message.includes("more than 200 plugin function calls"));
    expect(logged).toHaveLength(1);
  });

  it("are escaped unless declared returns: html", async () => {
    const res = await platform.fetch("/pages/escaping?q=%3Cscript%3Ealert(2)%3C/script%3E", { token: AGENT_TOKEN });
    const html = await res.text();
    expect(html).toContain('<div id="text">&lt;b&gt;&lt;i&gt;a&lt;/i&gt;&lt;/b&gt;&lt;script&gt;alert(1)&lt;/script&gt;</div>');
    expect(html).toContain('<div id="html"><b>b</b><script>alert(1)</script></div>');
    expect(html).toContain('<div id="context">&lt;script&gt;alert(2)&lt;/script&gt;</div>');
    // The page itself lets no script run, declared HTML included.
    expect(res.headers.get("content-security-policy")).toContain("script-src 'none'");
  });

  it("render a placeholder when they fail or time out, log it, and the page still answers 200", async () => {
    const started = performance.now();
    const { status, html } = await page("failing");
    expect(status).toBe(200);
    expect(html).toContain('<p id="before">ok</p>');
    expect(html).toContain('<p id="refused"><span class="gk-call-failed" data-plugin="template-functions" data-function="refuse" data-code="NOT_READY" role="status">template-functions.refuse() is unavailable (NOT_READY)</span></p>');
    expect(html).toContain('<p id="spin"><span class="gk-call-failed" data-plugin="template-functions" data-function="spin" data-code="E_TIMEOUT" role="status">template-functions.spin() is unavailable (E_TIMEOUT)</span></p>');
    expect(html).toContain('<p id="empty">none</p>');
    expect(html).toContain('<p id="after">still works</p>');
    // Two spins, each ended by the plugin's 500 ms time-out.
    expect(performance.now() - started).toBeGreaterThan(1000);
    const logged = platform.host.logs.list("template-functions").map((e) => e.message);
    expect(logged).toContain('template "failing.html" line 1: template-functions.spin() failed, a placeholder was rendered: the call ran longer than 500 ms and was stopped; make it faster or raise limits.timeout_ms');
    expect(logged).toContain('template "failing.html" line 1: template-functions.refuse() failed, a placeholder was rendered: the report is not ready');
  }, 30_000);
});

describe("a plugin's own templates", () => {
  it("render a widget answered with a template name and context, with t() in the reader's language and includes", async () => {
    const en = await platform.fetch("/api/plugins/template-functions/widgets/greeting?bare=1", { token: AGENT_TOKEN });
    expect(en.status).toBe(200);
    const html = await en.text();
    expect(html).toContain('<p class="greeting">Hello, agent.smith!</p>');
    expect(html).toContain("<ul><li>&lt;one&gt;</li><li>two</li></ul>");
    expect(html).toContain('<p class="call">from a widget 2 agent.smith en</p>');
    const de = await platform.fetch("/api/plugins/template-functions/widgets/greeting?bare=1", { token: AGENT_TOKEN, headers: { "accept-language": "de" } });
    expect(await de.text()).toContain('<p class="greeting">Hallo, agent.smith!</p>');
  });

  it("render a route's template with the status the plugin gave", async () => {
    const res = await platform.fetch("/api/plugins/template-functions/page", { token: AGENT_TOKEN, headers: { "accept-language": "de" } });
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await res.text()).toBe("<h1>&lt;Report&gt;</h1>\n<b>Bericht</b><script>alert(1)</script>\n");
  });

  it("answer a template mistake with an error naming the template and line", async () => {
    const res = await platform.json<{ error: string; code: string }>("/api/plugins/template-functions/broken", { token: AGENT_TOKEN });
    expect(res.status).toBe(500);
    expect(res.body.code).toBe("E_TEMPLATE");
    expect(res.body.error).toMatch(/^template "broken.html" line 3: no_such_function\(\) is not declared by the plugins this template uses \(template-functions\)/);
  });
});
