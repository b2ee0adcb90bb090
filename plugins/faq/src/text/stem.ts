/**
 * A light suffix stripper (plural, -ing, -ed, final -e, in the spirit of Porter's first steps)
 * so that "printers", "printing" and "printed" find "printer". It is deliberately small: the
 * same function runs on articles and queries, so a stem only has to be consistent, not a word.
 */

const VOWEL = /[aeiouy]/;
const MIN_STEM = 3;

export function stem(word: string): string {
  // Digits and short words are kept whole: "404", "vpn", "ios".
  if (word.length < 4 || /[0-9]/.test(word)) return word;
  let w = word;

  if (w.endsWith("sses")) w = w.slice(0, -2);
  else if (w.endsWith("ies") && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith("s") && !w.endsWith("ss") && !w.endsWith("us") && !w.endsWith("is")) w = w.slice(0, -1);

  for (const suffix of ["ing", "ed"]) {
    const base = w.slice(0, -suffix.length);
    if (w.endsWith(suffix) && base.length >= MIN_STEM && VOWEL.test(base)) {
      w = undouble(base);
      break;
    }
  }

  if (w.length > 4 && w.endsWith("e") && !w.endsWith("ee")) w = w.slice(0, -1);
  return w;
}

/** "resett" → "reset", "logg" → "log"; "install" and "access" keep their double letter. */
function undouble(word: string): string {
  const last = word[word.length - 1]!;
  if (word.length > MIN_STEM && last === word[word.length - 2] && !"aeiouylsz".includes(last)) return word.slice(0, -1);
  return word;
}
