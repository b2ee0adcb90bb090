import { describe, expect, it } from "vitest";
import { fmtBytes, fmtMs, fmtRelative, plural, shorten } from "../src/format.js";

describe("what the dashboard shows for figures", () => {
  it("writes durations in the unit that reads best", () => {
    expect([fmtMs(null), fmtMs(0.256), fmtMs(12.34), fmtMs(812.6), fmtMs(61_000)]).toEqual(["\u2013", "0.26 ms", "12.3 ms", "813 ms", "61.0 s"]);
  });

  it("writes memory in B, KiB or MiB, and a dash for none", () => {
    expect([fmtBytes(0), fmtBytes(512), fmtBytes(1536), fmtBytes(8 * 1048576)]).toEqual(["\u2013", "512 B", "1.5 KiB", "8.0 MiB"]);
  });

  it("says how long ago or how soon a time is", () => {
    const at = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();
    expect([fmtRelative(null), fmtRelative(at(-120)), fmtRelative(at(3 * 3600 + 60)), fmtRelative(at(-2 * 86400))]).toEqual(["\u2013", "2 min ago", "in 3 h", "2 d ago"]);
  });

  it("counts in words and keeps the end of long paths", () => {
    expect([plural(1, "route"), plural(3, "route")]).toEqual(["1 route", "3 routes"]);
    expect(shorten("/srv/goatkit/plugins/ticket-stats", 14)).toBe("\u2026/ticket-stats");
    expect(shorten("short", 14)).toBe("short");
  });
});
