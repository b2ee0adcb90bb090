/**
 * Conflicts: two occurrences of different appointments in one calendar that overlap in time.
 * Overlap is on instants, so two series in different zones conflict exactly in the weeks their
 * daylight saving rules put them on the same hour. Zero-length appointments (deadlines) never
 * conflict.
 */
import { occurrenceJSON, type BusyOccurrence } from "./busy-time.js";

export interface Conflict {
  occurrence: BusyOccurrence;
  conflictsWith: BusyOccurrence;
}

/** Pairs of overlapping occurrences, for the pairs `counts` accepts; input sorted by start. */
function sweep(occurrences: readonly BusyOccurrence[], counts: (a: BusyOccurrence, b: BusyOccurrence) => boolean): Conflict[] {
  const conflicts: Conflict[] = [];
  let active: BusyOccurrence[] = [];
  for (const next of occurrences) {
    if (next.end <= next.start) continue;
    active = active.filter((o) => o.end > next.start);
    for (const earlier of active) if (counts(earlier, next)) conflicts.push({ occurrence: earlier, conflictsWith: next });
    active.push(next);
  }
  return conflicts;
}

const sameAppointment = (a: BusyOccurrence, b: BusyOccurrence) => a.appointmentId !== null && a.appointmentId === b.appointmentId;

/** Every overlap between occurrences of different appointments, in order of time. */
export function conflictsWithin(occurrences: readonly BusyOccurrence[]): Conflict[] {
  return sweep(occurrences, (a, b) => !sameAppointment(a, b));
}

/** Each overlap of a `candidate` occurrence with one of `others`, the candidate's first. */
export function conflictsOf(candidate: readonly BusyOccurrence[], others: readonly BusyOccurrence[]): Conflict[] {
  const mine = new Set(candidate);
  const merged = [...candidate, ...others].sort((a, b) => a.start - b.start || (mine.has(a) ? -1 : 1));
  return sweep(merged, (a, b) => mine.has(a) !== mine.has(b)).map((c) => (mine.has(c.occurrence) ? c : { occurrence: c.conflictsWith, conflictsWith: c.occurrence }));
}

export function conflictJSON(conflict: Conflict) {
  return { occurrence: occurrenceJSON(conflict.occurrence), conflicts_with: occurrenceJSON(conflict.conflictsWith) };
}
