/**
 * VTIMEZONE components for the zones the feed uses (RFC 5545 3.6.5 requires one per TZID),
 * written from the same rule table the plugin computes with, so a client that reads them
 * places every occurrence where the plugin does.
 */
import { formatIcalLocal } from "../time/local-time.js";
import { daylightOffset, formatUtcOffset, transitionWallTime, type TimeZone, type Transition } from "../time/time-zones.js";
import { contentLine } from "./content-line.js";

const WEEKDAY_CODES = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"];

function yearlyRule(t: Transition): string {
  return `FREQ=YEARLY;BYMONTH=${t.month};BYDAY=${t.week === "last" ? -1 : t.week}${WEEKDAY_CODES[t.weekday]}`;
}

export function vtimezoneLines(zone: TimeZone): string[] {
  const standard = formatUtcOffset(zone.standardOffset);
  const lines = ["BEGIN:VTIMEZONE", contentLine("TZID", zone.id)];
  if (zone.dst === null) {
    lines.push("BEGIN:STANDARD", "DTSTART:19700101T000000", contentLine("TZOFFSETFROM", standard), contentLine("TZOFFSETTO", standard), "END:STANDARD");
  } else {
    const { since, start, end } = zone.dst;
    const daylight = formatUtcOffset(daylightOffset(zone));
    lines.push(
      "BEGIN:DAYLIGHT",
      contentLine("DTSTART", formatIcalLocal(transitionWallTime(since, start, zone, zone.standardOffset))),
      contentLine("RRULE", yearlyRule(start)),
      contentLine("TZOFFSETFROM", standard),
      contentLine("TZOFFSETTO", daylight),
      "END:DAYLIGHT",
      "BEGIN:STANDARD",
      contentLine("DTSTART", formatIcalLocal(transitionWallTime(since, end, zone, daylightOffset(zone)))),
      contentLine("RRULE", yearlyRule(end)),
      contentLine("TZOFFSETFROM", daylight),
      contentLine("TZOFFSETTO", standard),
      "END:STANDARD",
    );
  }
  lines.push("END:VTIMEZONE");
  return lines;
}
