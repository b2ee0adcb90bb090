import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PluginManager, TemplateEngine, type Host } from "@goatkit/host";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedCorpus } from "./support/corpus.js";
import { FaqClient, agent, customer, goatkitOnly, ok, openFaqHost } from "./support/faq-host.js";

// The manifest's template functions, called the way a help desk page calls them: a template
// with {% use faq %} rendered by the host's engine, checked against the plugin's own routes.
let host: Host;
let manager: PluginManager;
let engine: TemplateEngine;
let folder: string;
let asAgent: FaqClient;

const TEMPLATES = {
  "top.html": `{% use faq %}{% for a in top_articles(3) %}{{ a.id }}:{{ a.title }}\n{% endfor %}`,
  "search.html": `{% use faq %}{% with found=search_articles("reset password", 2) %}{{ found.total }}|{% for hit in found.results %}{{ hit.id }},{% endfor %}{% endwith %}`,
  "limit.html": `{% use faq %}{{ top_articles(50) }}`,
  "typed.html": `{% use faq %}{{ top_articles("3") }}`,
};

beforeAll(async () => {
  host = await openFaqHost();
  asAgent = new FaqClient(host, agent);
  await seedCorpus(asAgent);
  manager = await PluginManager.create({ host });
  folder = await mkdtemp(join(tmpdir(), "faq-templates-"));
  for (const [name, source] of Object.entries(TEMPLATES)) await writeFile(join(folder, name), source);
  engine = new TemplateEngine({ manager, folders: [folder] });
}, 60_000);

afterAll(async () => {
  await manager?.close();
  await host?.close();
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe.skipIf(goatkitOnly)("faq template functions", () => {
  it("top_articles(limit) lists what the popular article listing lists, in the reader's language", async () => {
    const listed = await ok(asAgent.as(customer).get("list_articles", { query: { sort: "popular", limit: "3" } }));
    const expected = listed.articles.map((a: { id: number; title: string }) => `${a.id}:${a.title}\n`).join("");
    const html = await engine.render("top.html", {}, { user: customer, locale: "en" });
    expect(html).toBe(expected.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;"));
    expect(html.split("\n").filter(Boolean)).toHaveLength(3);
  });

  it("search_articles(query, limit) ranks as the search route does", async () => {
    const searched = await ok(asAgent.get("search", { query: { q: "reset password", limit: "2" } }));
    const html = await engine.render("search.html", {}, { user: agent });
    expect(html).toBe(`${searched.total}|${searched.results.map((r: { id: number }) => `${r.id},`).join("")}`);
    expect(searched.total).toBeGreaterThan(0);
  });

  it("refuses a limit out of range with a placeholder, and a limit of the wrong type as a template error", async () => {
    expect(await engine.render("limit.html", {}, { user: agent })).toBe(
      '<span class="gk-call-failed" data-plugin="faq" data-function="top_articles" data-code="BAD_REQUEST" role="status">faq.top_articles() is unavailable (BAD_REQUEST)</span>',
    );
    await expect(engine.render("typed.html", {}, { user: agent })).rejects.toThrow(
      'template "typed.html" line 1: faq.top_articles(limit): argument "limit" must be a whole number (pipe text through | int), got the string "3"',
    );
  });
});
