import type { Host } from "@goatkit/host";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FaqClient, admin, agent, customer, ok, openFaqHost, refusal, status, target } from "./support/faq-host.js";

// Categories and articles through the real host: who may write, what customers see, and the
// version history every edit keeps.
let host: Host;
let asAgent: FaqClient;
let asCustomer: FaqClient;
let anonymous: FaqClient;
let accounts: number;

beforeAll(async () => {
  host = await openFaqHost();
  asAgent = new FaqClient(host, agent);
  asCustomer = asAgent.as(customer);
  anonymous = asAgent.as(null);
  accounts = (await ok(asAgent.post("create_category", { body: { name: "Accounts & sign-in", description: "Passwords, two-factor, locked accounts", position: 1 } }))).id;
});
afterAll(() => host?.close());

const article = (id: number) => ({ params: { id: String(id) } });

describe("categories", () => {
  it("creates a category with a slug made from its name, and lists it with the articles each viewer sees", async () => {
    const res = await asAgent.post("create_category", { body: { name: "Billing" } });
    expect(res.status).toBe(status(201));
    const billing = JSON.parse(String(res.body));
    // GoatFlow sends no response headers.
    if (target !== "goatflow") expect(res.headers.location).toBe(`/api/plugins/faq/categories/${billing.id}`);
    expect(billing).toMatchObject({ slug: "billing", name: "Billing", description: "", position: 0, article_count: 0 });

    await ok(asAgent.post("create_article", { body: { title: "Download invoices", body: "Under Settings > Billing.", category_id: billing.id, status: "published" } }));
    await ok(asAgent.post("create_article", { body: { title: "Dunning process", body: "Internal notes.", category_id: billing.id } }));
    const forAgent = await ok(asAgent.get("list_categories"));
    const forCustomer = await ok(asCustomer.get("list_categories"));
    // Sorted by position, then name: Billing (position 0) before Accounts (position 1).
    expect(forAgent.categories.map((c: { slug: string }) => c.slug)).toEqual(["billing", "accounts-sign-in"]);
    expect(forAgent.categories[0].article_count).toBe(2);
    expect(forCustomer.categories[0].article_count).toBe(1);
  });

  it("edits a category, refuses a slug that is taken, and deletes only empty categories", async () => {
    const network = await ok(asAgent.post("create_category", { body: { name: "Network" } }));
    const renamed = await ok(asAgent.put("update_category", { params: { id: String(network.id) }, body: { name: "Network & VPN", position: 7 } }));
    expect(renamed).toMatchObject({ name: "Network & VPN", slug: "network", position: 7 });
    expect(await refusal(asAgent.put("update_category", { params: { id: String(network.id) }, body: { slug: "billing" } }))).toEqual({
      status: 409,
      code: "CONFLICT",
      message: expect.stringMatching(/^category \d+ already has the slug "billing"; send another "slug"$/),
    });

    await ok(asAgent.post("create_article", { body: { title: "Connect to the VPN", body: "Install the client.", category_id: network.id } }));
    expect(await refusal(asAgent.delete("delete_category", { params: { id: String(network.id) } }))).toEqual({
      status: 409,
      code: "CONFLICT",
      message: `category ${network.id} still has 1 article (drafts and translations included); move them to another category or delete them first`,
    });
    const empty = await ok(asAgent.post("create_category", { body: { name: "Empty" } }));
    expect((await asAgent.delete("delete_category", { params: { id: String(empty.id) } })).status).toBe(status(204));
    expect((await refusal(asAgent.delete("delete_category", { params: { id: String(empty.id) } }))).status).toBe(404);
  });

  it("is read-only for customers", async () => {
    expect(await refusal(asCustomer.post("create_category", { body: { name: "Mine" } }))).toEqual({
      status: 403,
      code: "FORBIDDEN",
      message: "creating a category is for agents and admins; customer users can read published articles and vote",
    });
    expect((await refusal(anonymous.post("create_category", { body: { name: "Mine" } }))).status).toBe(401);
  });
});

describe("articles", () => {
  it("creates, reads, edits and deletes an article as an agent", async () => {
    const res = await asAgent.post("create_article", {
      body: { title: "Reset your password", body: "Choose “Forgot password?”.\n\nOpen the link we send.", category_id: accounts, status: "published" },
    });
    expect(res.status).toBe(status(201));
    const created = JSON.parse(String(res.body));
    expect(created).toMatchObject({ slug: "reset-your-password", locale: "en", status: "published", version: 1, views: 0, created_by: agent.id, category_id: accounts });
    expect(created.published_at).toBe(created.created_at);

    const read = await ok(asAgent.get("get_article", article(created.id)));
    expect(read).toMatchObject({ id: created.id, title: "Reset your password", category: { id: accounts, slug: "accounts-sign-in" }, translations: [{ id: created.id, locale: "en", status: "published" }] });
    expect(read.body_html).toBe("<p>Choose “Forgot password?”.</p>\n<p>Open the link we send.</p>");

    const edited = await ok(asAgent.put("update_article", { ...article(created.id), body: { title: "Reset a forgotten password" } }));
    expect(edited).toMatchObject({ title: "Reset a forgotten password", slug: "reset-your-password", version: 2 });

    expect((await asAgent.delete("delete_article", article(created.id))).status).toBe(status(204));
    expect(await refusal(asAgent.get("get_article", article(created.id)))).toEqual({ status: 404, code: "NOT_FOUND", message: `article ${created.id} not found` });
    expect(await host.services.db.query("SELECT COUNT(*) AS n FROM faq_article_versions WHERE article_id = ?", [created.id])).toEqual([{ n: 0 }]);
    expect(await host.services.db.query("SELECT COUNT(*) AS n FROM faq_postings WHERE article_id = ?", [created.id])).toEqual([{ n: 0 }]);
  });

  it("finds an article by slug as well as by id, and shows customers no author ids", async () => {
    const created = await ok(asAgent.post("create_article", { body: { title: "Unlock a locked account", body: "Wait 15 minutes.", status: "published" } }));
    const read = await ok(asCustomer.get("get_article", { params: { id: "unlock-a-locked-account" } }));
    expect(read.id).toBe(created.id);
    expect(read).not.toHaveProperty("created_by");
    expect(read).not.toHaveProperty("updated_by");
  });

  it("makes slugs from titles in any Latin script", async () => {
    expect((await ok(asAgent.post("create_article", { body: { title: "Passwort zurücksetzen – so geht's", body: "…", locale: "de" } }))).slug).toBe("passwort-zurucksetzen-so-geht-s");
  });

  it("refuses customers and anonymous callers every write", async () => {
    const created = await ok(asAgent.post("create_article", { body: { title: "Agents only", body: "x", status: "published" } }));
    expect(await refusal(asCustomer.post("create_article", { body: { title: "Mine", body: "x" } }))).toEqual({
      status: 403,
      code: "FORBIDDEN",
      message: "creating an article is for agents and admins; customer users can read published articles and vote",
    });
    expect((await refusal(asCustomer.put("update_article", { ...article(created.id), body: { title: "Hacked" } }))).status).toBe(403);
    expect((await refusal(asCustomer.delete("delete_article", article(created.id)))).status).toBe(403);
    expect(await refusal(anonymous.put("update_article", { ...article(created.id), body: { title: "Hacked" } }))).toEqual({
      status: 401,
      code: "UNAUTHENTICATED",
      message: 'editing an article needs a signed-in agent or admin; mount the route with the "auth" middleware and sign in',
    });
    // Admins write like agents.
    expect((await ok(asAgent.as(admin).put("update_article", { ...article(created.id), body: { status: "draft" } }))).updated_by).toBe(admin.id);
  });

  it("names the problem and the fix for bad input", async () => {
    const bad = (body: unknown) => refusal(asAgent.post("create_article", { body }));
    expect(await bad({ body: "no title" })).toMatchObject({ status: 400, message: '"title" is required' });
    expect(await bad({ title: "x", body: "y", status: "live" })).toMatchObject({ status: 400, message: '"status" must be "draft" or "published", got "live"' });
    expect(await bad({ title: "x", body: "y", locale: "english!" })).toMatchObject({ status: 400, message: '"locale" must be a BCP 47 language tag such as "en" or "de-AT", got "english!"' });
    expect(await bad({ title: "x", body: "y", category_id: 999 })).toMatchObject({
      status: 400,
      message: 'category 999 does not exist; create it with POST /api/plugins/faq/categories, or send "category_id": null',
    });
    expect(await bad({ title: "x", body: "y", slug: "Not A Slug" })).toMatchObject({ status: 400, message: '"slug" must be lower-case letters and digits separated by "-", got "Not A Slug"; e.g. "not-a-slug"' });
    expect(await refusal(asAgent.post("create_article", { body: "not json" }))).toMatchObject({ status: 400, message: expect.stringMatching(/^the body must be a JSON object, e\.g\. \{"title"/) });
    expect(await refusal(asAgent.get("get_article", { params: { id: "0" } }))).toMatchObject({ status: 400, message: 'article id must be a positive integer, got "0"' });
  });

  it("refuses a second article with the same slug and locale", async () => {
    await ok(asAgent.post("create_article", { body: { title: "Refund policy", body: "30 days." } }));
    expect(await refusal(asAgent.post("create_article", { body: { title: "Refund policy", body: "Again." } }))).toMatchObject({
      status: 409,
      message: expect.stringMatching(/^article \d+ already has the slug "refund-policy" in locale "en"; choose another slug, or another locale for a translation$/),
    });
  });
});

describe("drafts", () => {
  let draft: number;
  beforeAll(async () => {
    draft = (await ok(asAgent.post("create_article", { body: { title: "Upcoming password policy", body: "Passwords will need 14 characters.", category_id: accounts } }))).id;
  });

  it("are new articles' default, and invisible to customers everywhere", async () => {
    expect((await ok(asAgent.get("get_article", article(draft)))).status).toBe("draft");
    expect(await refusal(asCustomer.get("get_article", article(draft)))).toEqual({ status: 404, code: "NOT_FOUND", message: `article ${draft} not found` });
    expect((await refusal(asCustomer.get("get_article", { params: { id: "upcoming-password-policy" } }))).status).toBe(404);
    const customerList = await ok(asCustomer.get("list_articles"));
    expect(customerList.articles.map((a: { id: number }) => a.id)).not.toContain(draft);
    expect(customerList.articles.every((a: { status: string }) => a.status === "published")).toBe(true);
    expect((await ok(asCustomer.get("search", { query: { q: "14 characters" } }))).results).toEqual([]);
    expect((await ok(asAgent.get("search", { query: { q: "14 characters" } }))).results.map((r: { id: number }) => r.id)).toEqual([draft]);
    expect((await ok(asAgent.get("list_articles", { query: { status: "draft" } }))).articles.map((a: { id: number }) => a.id)).toContain(draft);
    // Not even a customer's status filter reveals them.
    expect((await ok(asCustomer.get("list_articles", { query: { status: "draft" } }))).total).toBe(0);
  });

  it("become visible when published, with published_at set", async () => {
    const published = await ok(asAgent.put("update_article", { ...article(draft), body: { status: "published" } }));
    expect(published.published_at).toBe(published.updated_at);
    expect((await ok(asCustomer.get("get_article", article(draft)))).title).toBe("Upcoming password policy");
    expect((await ok(asCustomer.get("search", { query: { q: "14 characters" } }))).results.map((r: { id: number }) => r.id)).toEqual([draft]);
  });
});

describe("versions", () => {
  let id: number;
  beforeAll(async () => {
    id = (await ok(asAgent.post("create_article", { body: { title: "Clear a paper jam", body: "Open the tray.", status: "published" } }))).id;
    await ok(asAgent.put("update_article", { ...article(id), body: { body: "Turn the printer off, then open the tray." } }));
    await ok(asAgent.as(admin).put("update_article", { ...article(id), body: { title: "Clear a paper jam safely", expected_version: 2 } }));
  });

  it("keeps every earlier version and lists them newest first", async () => {
    const list = await ok(asAgent.get("list_versions", article(id)));
    expect(list.current_version).toBe(3);
    expect(list.versions.map((v: { version: number; title: string; current: boolean; edited_by: number }) => [v.version, v.title, v.current, v.edited_by])).toEqual([
      [3, "Clear a paper jam safely", true, admin.id],
      [2, "Clear a paper jam", false, agent.id],
      [1, "Clear a paper jam", false, agent.id],
    ]);
  });

  it("fetches one version", async () => {
    expect(await ok(asAgent.get("get_version", { params: { id: String(id), version: "1" } }))).toMatchObject({ version: 1, title: "Clear a paper jam", body: "Open the tray.", current: false });
    expect(await ok(asAgent.get("get_version", { params: { id: String(id), version: "3" } }))).toMatchObject({ version: 3, body: "Turn the printer off, then open the tray.", current: true });
    expect(await refusal(asAgent.get("get_version", { params: { id: String(id), version: "9" } }))).toEqual({
      status: 404,
      code: "NOT_FOUND",
      message: `article ${id} has no version 9; it has versions 1 to 3 (see GET /api/plugins/faq/articles/${id}/versions)`,
    });
  });

  it("restores a version as a new version, keeping the history", async () => {
    const restored = await ok(asAgent.post("restore_version", { params: { id: String(id), version: "1" } }));
    expect(restored).toMatchObject({ version: 4, title: "Clear a paper jam", body: "Open the tray." });
    expect((await ok(asAgent.get("list_versions", article(id)))).versions).toHaveLength(4);
    // The index follows the restored text.
    expect((await ok(asCustomer.get("search", { query: { q: "printer off" } }))).results.map((r: { id: number }) => r.id)).not.toContain(id);
  });

  it("refuses an edit made to an older version, and keeps no version for an edit that changes nothing", async () => {
    expect(await refusal(asAgent.put("update_article", { ...article(id), body: { title: "Stale", expected_version: 2 } }))).toEqual({
      status: 409,
      code: "CONFLICT",
      message: `article ${id} is at version 4, but the edit was made to version 2; reload the article and apply the changes again`,
    });
    expect((await ok(asAgent.put("update_article", { ...article(id), body: { title: "Clear a paper jam" } }))).version).toBe(4);
  });

  it("an edit succeeds when an earlier edit failed after keeping its version", async () => {
    const current = await ok(asAgent.get("get_article", article(id)));
    await host.services.db.exec(
      "INSERT INTO faq_article_versions (article_id, version, category_id, slug, locale, title, body, status, edited_by, edited_at, archived_at) VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?)",
      [id, current.version, current.slug, current.locale, current.title, current.body, current.status, agent.id, current.updated_at, current.updated_at],
    );
    expect((await ok(asAgent.put("update_article", { ...article(id), body: { title: "Clear a paper jam (updated)" } }))).version).toBe(current.version + 1);
  });

  it("are for agents and admins", async () => {
    expect(await refusal(asCustomer.get("list_versions", article(id)))).toEqual({
      status: 403,
      code: "FORBIDDEN",
      message: "reading an article's versions is for agents and admins; customer users can read published articles and vote",
    });
    expect((await refusal(asCustomer.post("restore_version", { params: { id: String(id), version: "1" } }))).status).toBe(403);
  });
});

describe("reindex", () => {
  it("rebuilds the index for admins only", async () => {
    expect((await refusal(asAgent.post("reindex"))).status).toBe(403);
    await host.services.db.exec("DELETE FROM faq_postings", []);
    expect((await ok(asCustomer.get("search", { query: { q: "paper jam" } }))).total).toBe(0);
    const res = await ok(asAgent.as(admin).post("reindex"));
    expect(res.next_after_id).toBeNull();
    expect(res.reindexed).toBeGreaterThan(5);
    expect((await ok(asCustomer.get("search", { query: { q: "paper jam" } }))).total).toBe(1);
  });
});
