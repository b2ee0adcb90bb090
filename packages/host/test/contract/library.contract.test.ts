import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost, type Host } from "../../src/index.js";
import { describeKitchenSinkContract } from "./kitchen-sink-contract.js";

// fixtures/ts-library: the TypeScript kitchen sink's handlers plus mustache, an npm library the
// build bundles into the component.
const dir = new URL("../../../../fixtures/ts-library/", import.meta.url).pathname;

describeKitchenSinkContract({ dir, binding: "component", trapMessage: /^trap threw Error: kitchen-sink trap requested$/ });

describe("a bundled npm library (mustache) runs inside the component", () => {
  let host: Host;
  beforeAll(async () => {
    host = await createHost({ database: { demo: { tickets: 10 } } });
    await host.load(dir);
  });
  afterAll(() => host.close());

  it("renders a stored note with a template, escaping user data", async () => {
    const add = (title: string, items: string[]) => host.call("kitchen-sink", "add_note", { kind: "route", method: "POST", body: JSON.stringify({ title, items }) });
    await add("first", []);
    const res = await add("<b>Printer</b> & toner", ["order <toner>", "call vendor"]);
    expect(res.status).toBe(200);
    expect(res.body).toBe(
      '<article class="note"><h3>&lt;b&gt;Printer&lt;&#x2F;b&gt; &amp; toner</h3><ul><li>order &lt;toner&gt;</li><li>call vendor</li></ul><footer>note 2 of 2</footer></article>',
    );
    expect(await host.services.db.query("SELECT body FROM kitchen_sink_notes ORDER BY id", [])).toEqual([{ body: "first" }, { body: "<b>Printer</b> & toner" }]);
  });
});
