/** Numbers as people read them in widgets and email. */
import { JSON } from "@goatkit/sdk/assembly";

/** `x` with one decimal: `12.5`, `-0.3`, `40.0`. */
export function oneDecimal(x: f64): string {
  const tenths = <i64>Math.round(x * 10);
  const magnitude = tenths < 0 ? -tenths : tenths;
  return (tenths < 0 ? "-" : "") + (magnitude / 10).toString() + "." + (magnitude % 10).toString();
}

/** A rate (0..1, or JSON `null`) as a percentage: `93.4%`, or `n/a`. */
export function percent(rate: JSON.Value | null): string {
  if (rate == null || !rate.isNumber) return "n/a";
  return oneDecimal(rate.asFloat() * 100) + "%";
}

/** Minutes (or JSON `null`) as a duration: `45m`, `3h 20m`, `2d 5h`, or `n/a`. */
export function duration(minutes: JSON.Value | null): string {
  if (minutes == null || !minutes.isNumber) return "n/a";
  const total = <i64>Math.round(minutes.asFloat());
  if (total < 60) return total.toString() + "m";
  if (total < 1440) return (total / 60).toString() + "h " + (total % 60).toString() + "m";
  return (total / 1440).toString() + "d " + ((total % 1440) / 60).toString() + "h";
}

/** The smallest of 1, 2, 5, 10, 20, 50, ... that is at least `value`: a readable axis maximum. */
export function niceCeiling(value: i64): i64 {
  let step: i64 = 1;
  while (step * 5 < value) step *= 10;
  if (step >= value) return step;
  return step * 2 >= value ? step * 2 : step * 5;
}
