import { describe, expect, it } from "vitest";
import { SUPPORTED_TIME_ZONES, findTimeZone, localToUtc, offsetAt, utcToLocal } from "../src/time/time-zones.js";
import { offsetMinutes, zonedInstant } from "./support/calendar-host.js";

// The component has no Intl, so the plugin carries its own rule table (src/time/time-zones.ts).
// This checks that table against Node's ICU data for every supported zone: offsets sampled
// daily, and every change located to the quarter hour. From 2023 the table holds for
// all zones (Mexico City dropped daylight time in 2022).
const FIRST_YEAR = 2023;
const LAST_YEAR = 2037;
const QUARTER_HOUR = 15 * 60_000;

describe("the embedded time zone table agrees with ICU", () => {
  it.each(SUPPORTED_TIME_ZONES)("%s", (id) => {
    const zone = findTimeZone(id)!;
    const mismatches: string[] = [];
    const check = (instant: number) => {
      const expected = offsetMinutes(id, instant);
      if (offsetAt(zone, instant) !== expected) mismatches.push(`${new Date(instant).toISOString()}: table ${offsetAt(zone, instant)}, ICU ${expected}`);
    };
    let previous = Date.UTC(FIRST_YEAR, 0, 1);
    for (let t = previous + 24 * 3_600_000; t < Date.UTC(LAST_YEAR + 1, 0, 1); t += 24 * 3_600_000) {
      check(t);
      if (offsetMinutes(id, previous) !== offsetMinutes(id, t)) for (let q = previous + QUARTER_HOUR; q < t; q += QUARTER_HOUR) check(q);
      previous = t;
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
  });
});

describe("wall clock to instant (RFC 5545 3.3.5)", () => {
  const berlin = findTimeZone("Europe/Berlin")!;
  const newYork = findTimeZone("America/New_York")!;
  const local = (text: string) => Date.parse(`${text}Z`);
  const instant = (zone: typeof berlin, text: string) => new Date(localToUtc(zone, local(text))).toISOString().slice(0, 19) + "Z";

  it("agrees with ICU around every change of 2026", () => {
    for (const [zone, days] of [
      [berlin, ["2026-03-29", "2026-10-25"]],
      [newYork, ["2026-03-08", "2026-11-01"]],
    ] as const) {
      for (const day of days) {
        for (let minutes = 0; minutes < 24 * 60; minutes += 30) {
          const text = `${day}T${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}:00`;
          expect(instant(zone, text), `${zone.id} ${text}`).toBe(zonedInstant(text, zone.id));
        }
      }
    }
  });

  it("reads a time skipped by the spring change with the offset before it: 02:30 becomes 03:30", () => {
    expect(instant(berlin, "2026-03-29T02:30:00")).toBe("2026-03-29T01:30:00Z");
    expect(new Date(utcToLocal(berlin, localToUtc(berlin, local("2026-03-29T02:30:00")))).toISOString()).toBe("2026-03-29T03:30:00.000Z");
    expect(instant(newYork, "2026-03-08T02:30:00")).toBe("2026-03-08T07:30:00Z");
  });

  it("reads a time repeated by the autumn change as the first of the two", () => {
    expect(instant(berlin, "2026-10-25T02:30:00")).toBe("2026-10-25T00:30:00Z");
    expect(instant(newYork, "2026-11-01T01:30:00")).toBe("2026-11-01T05:30:00Z");
  });

  it("knows aliases and refuses zones it cannot compute", () => {
    expect(findTimeZone("Europe/Kiev")?.id).toBe("Europe/Kyiv");
    expect(findTimeZone("Etc/UTC")?.id).toBe("UTC");
    expect(findTimeZone("America/Santiago")).toBeNull();
    expect(findTimeZone("Mars/Olympus_Mons")).toBeNull();
  });
});
