import type { Host } from "@goatkit/host";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FaqClient, agent, customer, ok, openFaqHost, pluginDir, status } from "./support/faq-host.js";

// Search, related articles, category counts and the widget are cached for cache_ttl_seconds,
// under a generation key that every write replaces. Changing rows behind the plugin's back
// (straight SQL) shows that results really come from the cache; writes through the plugin
// show that a cached result is never served after the write.
const TTL = 300;
let host: Host;
let now: number;
let asAgent: FaqClient;
let asCustomer: FaqClient;
let printer: number;

beforeEach(async () => {
  now = Date.parse("2026-03-10T12:00:00Z");
  host = await openFaqHost({ now: () => now, config: { cache_ttl_seconds: TTL } });
  asAgent = new FaqClient(host, agent);
  asCustomer = asAgent.as(customer);
  printer = (await ok(asAgent.post("create_article", { body: { title: "Printer shows offline", body: "Restart the printer.", status: "published" } }))).id;
});
afterEach(() => host?.close());

const titles = async () => (await ok(asCustomer.get("search", { query: { q: "printer" } }))).results.map((r: { title: string }) => r.title);
const behindThePluginsBack = (sql: string, args: (string | number)[]) => host.services.db.exec(sql, args);

describe("cached results", () => {
  it("are served until their TTL ends when nothing is written through the plugin", async () => {
    expect(await titles()).toEqual(["Printer shows offline"]);
    await behindThePluginsBack("UPDATE faq_articles SET title = ? WHERE id = ?", ["Changed in SQL", printer]);
    expect(await titles()).toEqual(["Printer shows offline"]);
    now += (TTL + 1) * 1000;
    expect(await titles()).toEqual(["Changed in SQL"]);
  });

  it("are never served after a write: an edit changes the next search result", async () => {
    expect(await titles()).toEqual(["Printer shows offline"]);
    await ok(asAgent.put("update_article", { params: { id: String(printer) }, body: { title: "Printer is offline" } }));
    expect(await titles()).toEqual(["Printer is offline"]);
  });

  it("are invalidated by creating, unpublishing and deleting articles", async () => {
    expect(await titles()).toEqual(["Printer shows offline"]);
    const jam = (await ok(asAgent.post("create_article", { body: { title: "Printer paper jam", body: "Open the tray.", status: "published" } }))).id;
    // Two matches (title and body) beat one.
    expect(await titles()).toEqual(["Printer shows offline", "Printer paper jam"]);
    await ok(asAgent.put("update_article", { params: { id: String(jam) }, body: { status: "draft" } }));
    expect(await titles()).toEqual(["Printer shows offline"]);
    expect((await asAgent.delete("delete_article", { params: { id: String(printer) } })).status).toBe(status(204));
    expect(await titles()).toEqual([]);
  });

  it("include category counts, invalidated by category and article writes", async () => {
    const category = (await ok(asAgent.post("create_category", { body: { name: "Printing" } }))).id;
    const count = async () => (await ok(asCustomer.get("list_categories"))).categories[0].article_count;
    expect(await count()).toBe(0);
    await ok(asAgent.put("update_article", { params: { id: String(printer) }, body: { category_id: category } }));
    expect(await count()).toBe(1);
  });

  it("include the widget, invalidated by votes", async () => {
    const other = (await ok(asAgent.post("create_article", { body: { title: "Scan to email", body: "Choose Scan to Email.", status: "published" } }))).id;
    const top = async () => [...String((await asAgent.widget()).body).matchAll(/data-article-id="(\d+)"/g)].map((m) => Number(m[1]));
    expect(await top()).toEqual([printer, other]);
    await ok(asCustomer.post("vote", { params: { id: String(other) }, body: { helpful: true } }));
    expect(await top()).toEqual([other, printer]);
  });

  it("live in the plugin's own cache namespace, under a generation that each write replaces", async () => {
    await titles();
    const generation = async () => new TextDecoder().decode((await host.services.cache.get("faq", "generation"))!);
    const before = await generation();
    await ok(asAgent.put("update_article", { params: { id: String(printer) }, body: { body: "Restart the printer and the computer." } }));
    expect(await generation()).not.toBe(before);
  });
});

describe("with cache_ttl_seconds 0", () => {
  it("nothing is cached", async () => {
    await host.load(pluginDir, { config: { cache_ttl_seconds: 0 } });
    expect(await titles()).toEqual(["Printer shows offline"]);
    await behindThePluginsBack("UPDATE faq_articles SET title = ? WHERE id = ?", ["Changed in SQL", printer]);
    expect(await titles()).toEqual(["Changed in SQL"]);
  });
});
