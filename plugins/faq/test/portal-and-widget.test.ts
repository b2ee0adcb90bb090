import type { Host, PluginResponse } from "@goatkit/host";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedCorpus, type SeededCorpus } from "./support/corpus.js";
import { FaqClient, agent, customer, goatkitOnly, ok, openFaqHost, status } from "./support/faq-host.js";

let host: Host;
let corpus: SeededCorpus;
let asAgent: FaqClient;
let asCustomer: FaqClient;
let hostile: number;

const HOSTILE_TITLE = `Fix "quotes" & <script>alert('x')</script>`;

beforeAll(async () => {
  host = await openFaqHost();
  asAgent = new FaqClient(host, agent);
  asCustomer = asAgent.as(customer);
  corpus = await seedCorpus(asAgent);
  hostile = (await ok(asAgent.post("create_article", { body: { slug: "hostile", title: HOSTILE_TITLE, body: "<img src=x onerror=alert(1)>\nLine two.", status: "published" } }))).id;
});
afterAll(() => host?.close());

async function page(client: FaqClient, query: Record<string, string> = {}): Promise<{ res: PluginResponse; html: string }> {
  const res = await client.get("portal", { query });
  return { res, html: String(res.body) };
}

/** Only the plugin's own markup: no tag, attribute or script that came from article text or the query. */
function expectNoInjectedMarkup(html: string): void {
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/<img/i);
  expect(html).not.toMatch(/<[a-z][^>]*\son[a-z]+=/i);
}

describe("the customer portal", () => {
  it("is a complete HTML page with a search box and the categories", async () => {
    const { res, html } = await page(asCustomer);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(html.startsWith("<!doctype html>\n<html lang=\"en\">")).toBe(true);
    expect(html).toContain('<form method="get" action="" role="search">');
    expect(html).toContain('<input type="search" name="q" value=""');
    expect(html).toContain(`<a href="?category=${corpus.categoryIds.accounts}">Accounts &amp; sign-in</a> <span class="faq-meta">4</span>`);
    expect(html).toContain("<h2>Popular articles</h2>");
    expect(html).toContain(`<li data-article-id="${corpus.articleIds["reset-your-password"]}"><a href="?article=${corpus.articleIds["reset-your-password"]}">Reset your password</a>`);
    // The draft is not listed.
    expect(html).not.toContain("Password policy");
    expectNoInjectedMarkup(html);
  });

  it("shows search results with highlights, escaping the query", async () => {
    const { html } = await page(asCustomer, { q: "refund" });
    expect(html).toContain("<h2>1 article for “refund”</h2>");
    expect(html).toContain(`<a href="?article=${corpus.articleIds["refund-policy"]}"><mark>Refund</mark> policy</a>`);
    const hostileQuery = await page(asCustomer, { q: `"><script>alert(1)</script>` });
    expect(hostileQuery.html).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    // It finds the article whose title is made of the same words, and marks them inside the escaped text.
    expect(hostileQuery.html).toContain("<h2>1 article for “&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;”</h2>");
    expect(hostileQuery.html).toContain(`<a href="?article=${hostile}">Fix &quot;quotes&quot; &amp; &lt;<mark>script</mark>&gt;<mark>alert</mark>(&#39;x&#39;)&lt;/<mark>script</mark>&gt;</a>`);
    expectNoInjectedMarkup(hostileQuery.html);
  });

  it("shows a category's articles", async () => {
    const { html } = await page(asCustomer, { category: String(corpus.categoryIds.billing) });
    expect(html).toContain(`<a href="?category=${corpus.categoryIds.billing}" aria-current="page">Billing</a>`);
    expect(html.match(/<li data-article-id=/g)).toHaveLength(4);
  });

  it("shows an article with its body, vote form, translations and related articles, and counts the view", async () => {
    const id = corpus.articleIds["reset-your-password"];
    const { html } = await page(asCustomer, { article: String(id) });
    expect(html).toContain("<title>Reset your password · Help Center</title>");
    expect(html).toContain("<p>If you forgot your password, choose “Forgot password?” on the sign-in page.");
    expect(html).toContain(`<form class="faq-vote" method="post" action="/api/plugins/faq/articles/${id}/vote">`);
    expect(html).toContain(`<a href="?article=${corpus.articleIds["reset-your-password@de"]}&amp;locale=de" hreflang="de">de</a>`);
    expect(html).toContain(`<ul class="faq-related"><li><a href="?article=${corpus.articleIds["unlock-a-locked-account"]}">Unlock a locked account</a></li>`);
    expect((await ok(asAgent.get("get_article", { params: { id: String(id) } }))).views).toBe(1);
    expect((await page(asCustomer, { article: String(id), voted: "1" })).html).toContain("Thank you for your feedback.");
  });

  it("escapes article text", async () => {
    const { html } = await page(asCustomer, { article: String(hostile) });
    expect(html).toContain("<h2>Fix &quot;quotes&quot; &amp; &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</h2>");
    expect(html).toContain("<p>&lt;img src=x onerror=alert(1)&gt;<br>Line two.</p>");
    expectNoInjectedMarkup(html);
  });

  it("answers 404 for drafts and missing articles", async () => {
    const draft = await page(asCustomer, { article: String(corpus.articleIds["password-policy"]) });
    expect(draft.res.status).toBe(status(404));
    expect(draft.html).toContain("This article does not exist or is not published.");
    expect((await page(asCustomer, { article: "99999" })).res.status).toBe(status(404));
    // Agents preview drafts.
    expect((await page(asAgent, { article: String(corpus.articleIds["password-policy"]) })).res.status).toBe(200);
  });

  it.skipIf(goatkitOnly)("speaks the reader's language", async () => {
    const { html } = await page(new FaqClient(host, customer, "de-AT"), { q: "Passwort" });
    expect(html).toContain('<html lang="de-AT">');
    expect(html).toContain("<h1><a href=\"?\">Hilfe-Center</a></h1>");
    expect(html).toContain("<h2>1 Artikel für „Passwort“</h2>");
    expect(html).toContain("<mark>Passwort</mark> zurücksetzen");
  });
});

describe("the top articles widget", () => {
  // A host of its own: the portal tests above count views.
  let host: Host;
  let corpus: SeededCorpus;
  let asAgent: FaqClient;
  let asCustomer: FaqClient;
  beforeAll(async () => {
    host = await openFaqHost();
    asAgent = new FaqClient(host, agent);
    asCustomer = asAgent.as(customer);
    corpus = await seedCorpus(asAgent);
  });
  afterAll(() => host?.close());

  const widgetOrder = async (client: FaqClient) => {
    const res = await client.widget();
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    return { html: String(res.body), ids: [...String(res.body).matchAll(/<li data-article-id="(\d+)">/g)].map((m) => Number(m[1])) };
  };

  it("lists the most helpful published articles, then the most read", async () => {
    const ids = corpus.articleIds;
    for (const [slug, helpful] of [
      ["refund-policy", true],
      ["clear-a-paper-jam", true],
      ["scan-to-email", false],
    ] as const) {
      await ok(asCustomer.post("vote", { params: { id: String(ids[slug]) }, body: { helpful } }));
    }
    await ok(asAgent.as({ ...customer, id: 777 }).post("vote", { params: { id: String(ids["clear-a-paper-jam"]) }, body: { helpful: true } }));
    // Views break the tie between articles without helpful votes.
    await ok(asCustomer.get("get_article", { params: { id: String(ids["slow-internet-connection"]) } }));
    // Views are not content writes; a vote refreshes the cached widget.
    await ok(asCustomer.post("vote", { params: { id: String(ids["scan-to-email"]) }, body: { helpful: false } }));

    const { html, ids: order } = await widgetOrder(asAgent);
    // Then by id among articles with neither votes nor views.
    expect(order).toEqual([ids["clear-a-paper-jam"], ids["refund-policy"], ids["slow-internet-connection"], ids["reset-your-password"], ids["change-your-password"]]);
    expect(html.startsWith('<div class="faq-top-articles"><ol>')).toBe(true);
    expect(html).toContain(`<a href="/api/plugins/faq/portal?article=${ids["clear-a-paper-jam"]}">Clear a paper jam</a> <span class="faq-stats">2 helpful · 0 views</span>`);
    expect(html).not.toMatch(/<html|<body/);
  });

  it.skipIf(goatkitOnly)("is in the agent's language, and says so when there is nothing to show", async () => {
    const german = await widgetOrder(new FaqClient(host, agent, "de"));
    expect(german.html).toContain("hilfreich");
    const empty = await openFaqHost();
    try {
      expect(String((await new FaqClient(empty, agent).widget()).body)).toBe('<div class="faq-top-articles"><p class="faq-empty">No articles yet.</p></div>');
    } finally {
      await empty.close();
    }
  });
});
