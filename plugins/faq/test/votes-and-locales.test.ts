import type { Host } from "@goatkit/host";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FaqClient, agent, customer, goatkitOnly, ok, openFaqHost, otherCustomer, refusal, status } from "./support/faq-host.js";

let host: Host;
let asAgent: FaqClient;

beforeAll(async () => {
  host = await openFaqHost();
  asAgent = new FaqClient(host, agent);
});
afterAll(() => host?.close());

const create = async (body: Record<string, unknown>): Promise<number> => (await ok(asAgent.post("create_article", { body: { status: "published", ...body } }))).id;

describe("helpful votes", () => {
  let id: number;
  beforeAll(async () => {
    id = await create({ title: "Clear a paper jam", body: "Open the tray and pull the paper out." });
  });
  const vote = (client: FaqClient, helpful: unknown) => client.post("vote", { params: { id: String(id) }, body: { helpful } });

  it("counts one vote per user; voting again changes the vote", async () => {
    const asCustomer = asAgent.as(customer);
    expect(await ok(vote(asCustomer, true))).toEqual({ article_id: id, your_vote: true, helpful_count: 1, not_helpful_count: 0 });
    expect(await ok(vote(asCustomer, true))).toMatchObject({ helpful_count: 1, not_helpful_count: 0 });
    expect(await ok(vote(asCustomer, false))).toMatchObject({ your_vote: false, helpful_count: 0, not_helpful_count: 1 });
    expect(await ok(vote(asAgent.as(otherCustomer), true))).toMatchObject({ helpful_count: 1, not_helpful_count: 1 });
    expect(await host.services.db.query("SELECT COUNT(*) AS n FROM faq_votes WHERE article_id = ?", [id])).toEqual([{ n: 2 }]);

    expect(await ok(asCustomer.get("get_article", { params: { id: String(id) } }))).toMatchObject({ your_vote: false, helpful_count: 1, not_helpful_count: 1 });
    expect((await ok(asAgent.as(otherCustomer).get("get_article", { params: { id: String(id) } }))).your_vote).toBe(true);
    expect((await ok(asAgent.get("get_article", { params: { id: String(id) } }))).your_vote).toBeNull();
  });

  it.skipIf(goatkitOnly)("takes the portal's form and redirects back to the article", async () => {
    const res = await asAgent.as(customer).post("vote", { params: { id: String(id) }, body: "helpful=yes", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/api/plugins/faq/portal?article=${id}&voted=1`);
    expect((await ok(asAgent.get("get_article", { params: { id: String(id) } }))).helpful_count).toBe(2);
  });

  it("needs a signed-in user, a visible article and a yes or no", async () => {
    expect(await refusal(vote(asAgent.as(null), true))).toEqual({
      status: 401,
      code: "UNAUTHENTICATED",
      message: 'voting needs a signed-in user; mount the route with the "auth" middleware and sign in',
    });
    expect(await refusal(vote(asAgent.as(customer), "yes"))).toEqual({ status: 400, code: "BAD_REQUEST", message: 'the body must be {"helpful": true} or {"helpful": false}' });
    const draft = await create({ title: "Internal draft", body: "Not yet.", status: "draft" });
    expect((await refusal(asAgent.as(customer).post("vote", { params: { id: String(draft) }, body: { helpful: true } }))).status).toBe(404);
  });

  it("are removed with their article", async () => {
    expect((await asAgent.delete("delete_article", { params: { id: String(id) } })).status).toBe(status(204));
    expect(await host.services.db.query("SELECT COUNT(*) AS n FROM faq_votes WHERE article_id = ?", [id])).toEqual([{ n: 0 }]);
  });
});

describe.skipIf(goatkitOnly)("articles per language", () => {
  const ids: Record<string, number> = {};
  beforeAll(async () => {
    ids.resetEn = await create({ slug: "reset-password", locale: "en", title: "Reset your password", body: "Choose Forgot password on the sign-in page." });
    ids.resetDe = await create({ slug: "reset-password", locale: "de", title: "Passwort zurücksetzen", body: "Wählen Sie auf der Anmeldeseite Passwort vergessen." });
    ids.refundEn = await create({ slug: "refunds", locale: "en", title: "Refund policy", body: "Annual plans are refunded within 30 days." });
    // A German draft does not hide the published English article from customers.
    ids.refundDeDraft = await create({ slug: "refunds", locale: "de", title: "Rückerstattung", body: "Entwurf.", status: "draft" });
    ids.privacyDe = await create({ slug: "datenschutz", locale: "de", title: "Datenschutz", body: "Wie wir Ihre Daten schützen." });
  });

  const listed = async (locale: string, query: Record<string, string> = {}) =>
    (await ok(new FaqClient(host, customer, locale).get("list_articles", { query }))).articles.map((a: { id: number }) => a.id);

  it("shows each article in the reader's language, falling back to English", async () => {
    expect(await listed("de")).toEqual([ids.resetDe, ids.refundEn, ids.privacyDe]);
    expect(await listed("de-AT")).toEqual([ids.resetDe, ids.refundEn, ids.privacyDe]);
    expect(await listed("fr")).toEqual([ids.resetEn, ids.refundEn]);
    expect(await listed("en")).toEqual([ids.resetEn, ids.refundEn]);
    // A language switcher overrides the request's locale.
    expect(await listed("en", { locale: "de" })).toEqual([ids.resetDe, ids.refundEn, ids.privacyDe]);
  });

  it("resolves a slug in the reader's language, with fallback", async () => {
    const bySlug = async (locale: string) => (await ok(new FaqClient(host, customer, locale).get("get_article", { params: { id: "reset-password" } }))).title;
    expect(await bySlug("de")).toBe("Passwort zurücksetzen");
    expect(await bySlug("fr")).toBe("Reset your password");
    expect(await refusal(new FaqClient(host, customer, "fr").get("get_article", { params: { id: "datenschutz" } }))).toEqual({
      status: 404,
      code: "NOT_FOUND",
      message: 'no article with the slug "datenschutz" in fr, en',
    });
    const resetDe = await ok(new FaqClient(host, customer, "de").get("get_article", { params: { id: "reset-password" } }));
    expect(resetDe.translations).toEqual([
      { id: ids.resetDe, locale: "de", status: "published" },
      { id: ids.resetEn, locale: "en", status: "published" },
    ]);
  });

  it("searches in the reader's language, with fallback", async () => {
    const search = async (locale: string, q: string) => (await ok(new FaqClient(host, customer, locale).get("search", { query: { q } }))).results.map((r: { id: number }) => r.id);
    expect(await search("de", "passwort")).toEqual([ids.resetDe]);
    expect(await search("de", "password")).toEqual([]);
    expect(await search("fr", "password")).toEqual([ids.resetEn]);
    expect(await search("de", "refunded")).toEqual([ids.refundEn]);
  });

  it("lets agents list every language, or one", async () => {
    const all = (await ok(asAgent.get("list_articles"))).articles.map((a: { id: number }) => a.id);
    expect(all).toEqual(expect.arrayContaining(Object.values(ids)));
    const german = (await ok(asAgent.get("list_articles", { query: { locale: "de" } }))).articles.map((a: { id: number }) => a.id);
    expect(german).toEqual([ids.resetDe, ids.refundDeDraft, ids.privacyDe]);
  });
});
