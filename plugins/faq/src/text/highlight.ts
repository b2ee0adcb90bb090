/**
 * Highlighting: the words of a text whose term is searched for are wrapped in `<mark>`, and
 * everything is HTML-escaped, so article text can never inject markup into a result.
 */
import { escapeHTML } from "@goatkit/sdk/guest";
import { tokenize, type Token } from "./tokenize.js";

/** Words in a snippet; enough for two lines of a result list. */
const SNIPPET_WORDS = 24;
/** Words shown before the first match, so it is read in context. */
const LEAD_WORDS = 3;

/** The whole text, escaped, with matches marked. */
export function highlightAll(text: string, terms: ReadonlySet<string>): string {
  return markRange(text, tokenize(text), 0, text.length, terms);
}

/**
 * A window of about 24 words around the densest cluster of matches (the most distinct terms,
 * then the most matches, then the earliest), escaped and marked, with "…" where text was cut.
 * Without matches it is the opening of the text.
 */
export function snippet(text: string, terms: ReadonlySet<string>): string {
  const tokens = tokenize(text);
  if (tokens.length === 0) return "";
  const first = bestWindow(tokens, terms);
  const last = Math.min(first + SNIPPET_WORDS, tokens.length) - 1;
  const start = first === 0 ? 0 : tokens[first]!.start;
  const end = last === tokens.length - 1 ? text.length : tokens[last]!.end;
  const body = markRange(text, tokens, start, end, terms).replace(/\s+/g, " ").trim();
  return `${first > 0 ? "…" : ""}${body}${end < text.length ? "…" : ""}`;
}

function bestWindow(tokens: Token[], terms: ReadonlySet<string>): number {
  let best = 0;
  let bestDistinct = 0;
  let bestMatches = 0;
  for (let first = 0; first < tokens.length; first++) {
    // A window worth showing starts on a match (or at the beginning).
    if (first > 0 && !isMatch(tokens[first]!, terms)) continue;
    const distinct = new Set<string>();
    let matches = 0;
    for (let i = first; i < Math.min(first + SNIPPET_WORDS - LEAD_WORDS, tokens.length); i++) {
      const term = tokens[i]!.term;
      if (term !== null && terms.has(term)) {
        distinct.add(term);
        matches++;
      }
    }
    if (distinct.size > bestDistinct || (distinct.size === bestDistinct && matches > bestMatches)) {
      best = first;
      bestDistinct = distinct.size;
      bestMatches = matches;
    }
  }
  return bestDistinct === 0 ? 0 : Math.max(0, best - LEAD_WORDS);
}

function isMatch(token: Token, terms: ReadonlySet<string>): boolean {
  return token.term !== null && terms.has(token.term);
}

function markRange(text: string, tokens: Token[], start: number, end: number, terms: ReadonlySet<string>): string {
  let out = "";
  let at = start;
  for (const token of tokens) {
    if (token.start < start || token.end > end || !isMatch(token, terms)) continue;
    out += `${escapeHTML(text.slice(at, token.start))}<mark>${escapeHTML(text.slice(token.start, token.end))}</mark>`;
    at = token.end;
  }
  return out + escapeHTML(text.slice(at, end));
}
