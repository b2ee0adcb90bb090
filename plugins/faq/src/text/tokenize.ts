/**
 * Splits text into words with their positions, and turns words into index terms (folded,
 * stemmed, stop words dropped). Articles and queries go through the same function, so a
 * query term matches exactly the words it was built from; highlighting uses the positions.
 */
import { foldWord } from "./fold.js";
import { stem } from "./stem.js";
import { STOP_WORDS } from "./stop-words.js";

/** One word of a text: `text.slice(start, end)`; `term` is `null` for stop words and noise. */
export interface Token {
  start: number;
  end: number;
  term: string | null;
}

/** Longer "words" are identifiers, hashes or base64, not something people search for. */
const MAX_TERM_LENGTH = 40;

/**
 * Letters and digits. Without Unicode property tables, any character from Latin-1 letters up
 * counts as a letter, except the symbol and punctuation blocks (and surrogates, so emoji split
 * words).
 */
function isWordChar(code: number): boolean {
  if (code >= 0x30 && code <= 0x39) return true;
  if (code >= 0x61 && code <= 0x7a) return true;
  if (code >= 0x41 && code <= 0x5a) return true;
  if (code < 0xc0 || code === 0xd7 || code === 0xf7) return false;
  if (code >= 0x2000 && code <= 0x2bff) return false; // punctuation, symbols, arrows, math, box drawing
  if (code >= 0x3000 && code <= 0x303f) return false; // CJK punctuation
  if (code >= 0xd800 && code <= 0xdfff) return false; // surrogates (emoji and other astral symbols)
  if (code >= 0xfe00 && code <= 0xfe0f) return false; // variation selectors
  if (code >= 0xff00 && code <= 0xff20) return false; // full-width punctuation
  return code !== 0xfeff;
}

/** An apostrophe inside a word joins it: "customer's" is one word, indexed as "customer". */
function isApostrophe(code: number): boolean {
  return code === 0x27 || code === 0x2019;
}

/** The words of `text`, in order. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    if (!isWordChar(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    let word = "";
    while (i < text.length) {
      const code = text.charCodeAt(i);
      if (isWordChar(code)) word += text[i];
      else if (!(isApostrophe(code) && i + 1 < text.length && isWordChar(text.charCodeAt(i + 1)) && word !== "")) break;
      i++;
    }
    tokens.push({ start, end: i, term: termOf(word) });
  }
  return tokens;
}

/** The index term for one word, or `null` when the word is not indexed. */
export function termOf(word: string): string | null {
  const folded = foldWord(word);
  if (folded.length > MAX_TERM_LENGTH || STOP_WORDS.has(folded)) return null;
  // Single letters carry no meaning alone ("e" of "e-mail"); single digits may ("step 3").
  if (folded.length < 2 && !/[0-9]/.test(folded)) return null;
  return stem(folded);
}

/** The distinct terms of a text, in order of first appearance. */
export function termsOf(text: string): string[] {
  const seen = new Set<string>();
  for (const token of tokenize(text)) if (token.term !== null) seen.add(token.term);
  return [...seen];
}

/** How often each term occurs in a text, and how many indexed words it has. */
export function termFrequencies(text: string): { counts: Map<string, number>; length: number } {
  const counts = new Map<string, number>();
  let length = 0;
  for (const token of tokenize(text)) {
    if (token.term === null) continue;
    counts.set(token.term, (counts.get(token.term) ?? 0) + 1);
    length++;
  }
  return { counts, length };
}
