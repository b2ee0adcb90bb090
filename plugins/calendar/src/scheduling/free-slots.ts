/**
 * Free slots: the times within working hours, on a grid of the slot length, when a calendar
 * has nothing booked. Days and working hours are wall clock in the requested zone; slots are
 * laid out in elapsed time from the start of the working day, so on a daylight saving day a
 * 00:00-06:00 window has five one-hour slots (02:00 does not exist) and an autumn one seven.
 */
import { DAY_MS, MINUTE_MS, formatInstant, formatLocalDate, formatTimeOfDay } from "../time/local-time.js";
import { localToUtc, utcToLocal, type TimeZone } from "../time/time-zones.js";

export interface SlotSearch {
  zone: TimeZone;
  /** Local midnights, inclusive. */
  firstDay: number;
  lastDay: number;
  /** Minutes after local midnight; `workdayEnd` may be 1440 (midnight at the end of the day). */
  workdayStart: number;
  workdayEnd: number;
  slotMinutes: number;
  /** 0 = Sunday. */
  weekdays: ReadonlySet<number>;
  /** No slot starts before this instant (the past is not free). */
  notBefore: number;
}

export interface DaySlots {
  date: string;
  slots: { start: string; end: string; start_utc: string; end_utc: string }[];
}

/** `busy` are instants [start, end) in any order. */
export function freeSlots(search: SlotSearch, busy: readonly { start: number; end: number }[]): DaySlots[] {
  const taken = busy.filter((b) => b.end > b.start).sort((a, b) => a.start - b.start);
  const slotMs = search.slotMinutes * MINUTE_MS;
  const days: DaySlots[] = [];
  for (let day = search.firstDay; day <= search.lastDay; day += DAY_MS) {
    if (!search.weekdays.has(new Date(day).getUTCDay())) continue;
    const open = localToUtc(search.zone, day + search.workdayStart * MINUTE_MS);
    const close = localToUtc(search.zone, day + search.workdayEnd * MINUTE_MS);
    const slots: DaySlots["slots"] = [];
    for (let start = open; start + slotMs <= close; start += slotMs) {
      const end = start + slotMs;
      if (start < search.notBefore) continue;
      if (taken.some((b) => b.start < end && b.end > start)) continue;
      slots.push({
        start: formatTimeOfDay(utcToLocal(search.zone, start)),
        end: formatTimeOfDay(utcToLocal(search.zone, end)),
        start_utc: formatInstant(start),
        end_utc: formatInstant(end),
      });
    }
    days.push({ date: formatLocalDate(day), slots });
  }
  return days;
}
