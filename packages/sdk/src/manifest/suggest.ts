/** Edit distance (insertions, deletions, substitutions, adjacent swaps) between two strings. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidate closest to `word`, or undefined when none is close enough to be a likely typo.
 * Singular/plural, case differences and prefixes of 4+ letters count as close ("route" → "routes", "menu" → "menu_items").
 */
export function closest(word: string, candidates: readonly string[], maxDistance = Math.max(2, Math.floor(word.length / 3))): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const c = candidate.toLowerCase();
    const distance =
      c === lower || c === `${lower}s` || `${c}s` === lower ? 0
      : lower.length >= 4 && (c.startsWith(lower) || lower.startsWith(c)) ? 1
      : editDistance(lower, c);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= maxDistance ? best : undefined;
}

/** The candidate with the smallest edit distance, however far (for "did you mean" among a fixed list). */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  return closest(word, candidates, Infinity);
}

/** Lists values as `"a", "b" or "c"`. */
export function quotedList(values: readonly unknown[], conjunction = "or"): string {
  const quoted = values.map((v) => JSON.stringify(v));
  if (quoted.length <= 1) return quoted.join("");
  return `${quoted.slice(0, -1).join(", ")} ${conjunction} ${quoted.at(-1)}`;
}
