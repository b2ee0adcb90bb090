/**
 * npm libraries inside a QuickJS-binding plugin (fixtures/ts-npm-libraries, built by its build
 * script with the default binding), through the real host: marked needs Unicode property
 * escapes (which components lack), rrule and luxon need Intl.DateTimeFormat with time zones.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost, type Host } from "../src/index.js";

const dir = new URL("../../../fixtures/ts-npm-libraries/", import.meta.url).pathname;
const post = (body: unknown) => ({ kind: "route" as const, method: "POST", body: typeof body === "string" ? body : JSON.stringify(body) });

describe("npm libraries on the QuickJS binding", () => {
  let host: Host;
  beforeAll(async () => {
    host = await createHost({ database: { demo: { tickets: 1 } } });
    const plugin = await host.load(dir);
    expect(plugin.binding).toBe("quickjs");
  });
  afterAll(() => host.close());

  const call = async (handler: string, body: unknown) => {
    const res = await host.call("npm-libraries", handler, post(body));
    expect(res.error).toBeUndefined();
    return String(res.body);
  };

  it("marked renders Markdown (its lexer uses \\p{...} regular expressions)", async () => {
    expect(await call("markdown", "# Ärger im Büro\n\nSee **[docs](https://example.com)**, *now*.\n\n- one\n- two")).toBe(
      '<h1>Ärger im Büro</h1>\n<p>See <strong><a href="https://example.com">docs</a></strong>, <em>now</em>.</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n',
    );
  });

  it("rrule expands a rule, in a time zone across the change to summer time", async () => {
    expect(JSON.parse(await call("recurrence", { rule: "DTSTART;TZID=Europe/Berlin:20260326T090000\nRRULE:FREQ=DAILY;COUNT=4" }))).toEqual({
      occurrences: ["2026-03-26T08:00:00.000Z", "2026-03-27T08:00:00.000Z", "2026-03-28T08:00:00.000Z", "2026-03-29T07:00:00.000Z"],
      text: "every day for 4 times",
    });
    expect(JSON.parse(await call("recurrence", { rule: "DTSTART:20260101T100000Z\nRRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=3" }))).toEqual({
      occurrences: ["2026-01-05T10:00:00.000Z", "2026-01-07T10:00:00.000Z", "2026-01-12T10:00:00.000Z"],
      text: "every week on Monday, Wednesday for 3 times",
    });
  });

  it("mustache renders a template, escaping values", async () => {
    expect(await call("template", { template: "Hi {{name}}: {{#items}}[{{.}}]{{/items}}", view: { name: "<b>Ana</b>", items: ["a", "b"] } })).toBe("Hi &lt;b&gt;Ana&lt;&#x2F;b&gt;: [a][b]");
  });

  it("luxon shows an instant in a time zone and a locale (Intl.DateTimeFormat with timeZone)", async () => {
    expect(JSON.parse(await call("zoned", { instant: "2026-03-29T00:30:00Z", zone: "Europe/Berlin", locale: "de-DE" }))).toEqual({
      local: "2026-03-29 01:30",
      offset: 60,
      zoneName: "MEZ",
      full: "29. März 2026 um 01:30 MEZ",
      weekday: "Sonntag",
    });
    expect(JSON.parse(await call("zoned", { instant: "2026-03-29T01:30:00Z", zone: "America/New_York" }))).toEqual({
      local: "2026-03-28 21:30",
      offset: -240,
      zoneName: "EDT",
      full: "March 28, 2026 at 9:30 PM EDT",
      weekday: "Saturday",
    });
    const res = await host.call("npm-libraries", "zoned", post({ instant: "2026-03-29T01:30:00Z", zone: "Mars/Olympus" }));
    expect(res.error).toEqual({ code: "BAD_REQUEST", message: 'invalid instant or zone: the zone "Mars/Olympus" is not supported' });
  });
});
