/**
 * Query parameters of the report routes: the date range (`from`, `to`) and pagination (`page`,
 * `limit`). Invalid values are answered with a 400 that names the parameter and the expected
 * format, before any query runs.
 */
import { JSON, Request, packError } from "@goatkit/sdk/assembly";
import { NO_DAY, formatDay, parseDay, startOfDay } from "./dates";

/** Days in the default range, which ends at the latest ticket day. */
export const DEFAULT_RANGE_DAYS: i32 = 30;
/** The longest range a report accepts; it bounds the rows a report reads. */
export const MAX_RANGE_DAYS: i32 = 366;
export const DEFAULT_PAGE_SIZE: i32 = 20;
export const MAX_PAGE_SIZE: i32 = 100;

/** Inclusive range of days. */
export class DateRange {
  constructor(
    readonly first: i32,
    readonly last: i32,
  ) {}

  get from(): string {
    return formatDay(this.first);
  }

  get to(): string {
    return formatDay(this.last);
  }

  get days(): i32 {
    return this.last - this.first + 1;
  }

  /** The first moment of the range, as the columns store it. */
  get start(): string {
    return startOfDay(this.first);
  }

  /** The first moment after the range. */
  get end(): string {
    return startOfDay(this.last + 1);
  }

  /** `[start, end)` as SQL arguments: `column >= ? AND column < ?`. */
  bounds(): JSON.Arr {
    return new JSON.Arr().push(this.start).push(this.end);
  }

  /** Part of a cache key. */
  key(): string {
    return this.from + ".." + this.to;
  }
}

/** What a report is asked for: a range and a page, or what is wrong with the parameters. */
export class ReportQuery {
  range: DateRange = new DateRange(0, 0);
  page: i32 = 1;
  limit: i32 = DEFAULT_PAGE_SIZE;
  /** Seconds a cached result lives (the plugin's `cache_ttl_seconds`); 0 turns caching off. */
  cacheSeconds: i32 = 60;
  /** The first invalid parameter, named, with the expected format; `""` when all are valid. */
  problem: string = "";

  get valid(): bool {
    return this.problem.length == 0;
  }

  /** The 400 answer to invalid parameters. */
  reject(): u64 {
    return packError(this.problem, 400, "INVALID_PARAMETER");
  }

  /** The same range and settings, another page. */
  withPage(page: i32, limit: i32): ReportQuery {
    const query = new ReportQuery();
    query.range = this.range;
    query.cacheSeconds = this.cacheSeconds;
    query.page = page;
    query.limit = limit;
    return query;
  }
}

/** The query of a report without parameters: only the plugin's settings. */
export function plainQuery(req: Request): ReportQuery {
  const query = new ReportQuery();
  query.cacheSeconds = <i32>max<i64>(0, min<i64>(req.config.getInt("cache_ttl_seconds", 60), 86_400));
  return query;
}

/**
 * Reads `from`, `to` and, when `paged`, `page` and `limit`. A missing `to` is `defaultLastDay`
 * (asked only then, since it may query the database); a missing `from` is 29 days before `to`.
 */
export function readQuery(req: Request, paged: bool, defaultLastDay: () => i32): ReportQuery {
  const query = plainQuery(req);
  let first = readDay(req, "from", query);
  let last = readDay(req, "to", query);
  if (!query.valid) return query;
  if (paged) {
    query.page = readInt(req, "page", 1, 1, i32.MAX_VALUE, "a whole number of at least 1", query);
    query.limit = readInt(req, "limit", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE, "a whole number from 1 to " + MAX_PAGE_SIZE.toString(), query);
    if (!query.valid) return query;
  }

  if (last == NO_DAY) last = defaultLastDay();
  if (first == NO_DAY) first = last - (DEFAULT_RANGE_DAYS - 1);
  if (first > last) {
    query.problem = `query parameter "from" (${formatDay(first)}) must not be after "to" (${formatDay(last)})`;
  } else if (last - first + 1 > MAX_RANGE_DAYS) {
    query.problem = `the range from "from" (${formatDay(first)}) to "to" (${formatDay(last)}) spans ${last - first + 1} days; ask for at most ${MAX_RANGE_DAYS}`;
  }
  query.range = new DateRange(first, last);
  return query;
}

/** A `YYYY-MM-DD` parameter; absent or empty gives `NO_DAY`. */
function readDay(req: Request, name: string, query: ReportQuery): i32 {
  const text = req.query(name);
  if (text.length == 0 || !query.valid) return NO_DAY;
  const day = parseDay(text);
  if (day == NO_DAY) query.problem = `query parameter "${name}" must be a date written YYYY-MM-DD (for example 2026-06-30), got ${quoted(text)}`;
  return day;
}

function readInt(req: Request, name: string, fallback: i32, least: i32, most: i32, expected: string, query: ReportQuery): i32 {
  const text = req.query(name);
  if (text.length == 0 || !query.valid) return fallback;
  const value = JSON.parseInteger(text, i64.MIN_VALUE);
  if (value < <i64>least || value > <i64>most) {
    query.problem = `query parameter "${name}" must be ${expected}, got ${quoted(text)}`;
    return fallback;
  }
  return <i32>value;
}

/** The caller's text, quoted and cut short: it goes back into an error message. */
function quoted(text: string): string {
  return JSON.quote(text.length > 40 ? text.substring(0, 40) + "..." : text);
}
