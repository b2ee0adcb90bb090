/**
 * Case and accent folding for index terms. The engine inside a component has no Unicode
 * property tables (no `\p{L}`, and `normalize` cannot be relied on), so the Latin letters a
 * help desk meets are folded by this table: "Größe" and "grosse" index alike.
 */

const FOLDED: Record<string, string> = {};

function fold(letters: string, to: string): void {
  for (const letter of letters) FOLDED[letter] = to;
}

fold("àáâãäåāăą", "a");
fold("çćĉċč", "c");
fold("ďđð", "d");
fold("èéêëēĕėęě", "e");
fold("ĝğġģ", "g");
fold("ĥħ", "h");
fold("ìíîïĩīĭįı", "i");
fold("ĵ", "j");
fold("ķ", "k");
fold("ĺļľŀł", "l");
fold("ñńņňŉ", "n");
fold("òóôõöøōŏő", "o");
fold("ŕŗř", "r");
fold("śŝşšș", "s");
fold("ţťŧț", "t");
fold("ùúûüũūŭůűų", "u");
fold("ŵ", "w");
fold("ýÿŷ", "y");
fold("źżž", "z");
FOLDED["ß"] = "ss";
FOLDED["æ"] = "ae";
FOLDED["œ"] = "oe";
FOLDED["þ"] = "th";

/** Lower-cases a word and replaces accented Latin letters by their base letters. */
export function foldWord(word: string): string {
  const lower = word.toLowerCase();
  let out = "";
  for (const c of lower) out += FOLDED[c] ?? c;
  return out;
}
