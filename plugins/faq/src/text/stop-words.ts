/**
 * Words too common to rank by, in the folded form the tokenizer produces (English and German,
 * the languages GoatFlow ships). They are neither indexed nor searched.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set([
  // English
  "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "do", "does", "for", "from", "how", "i", "if", "in", "into",
  "is", "it", "its", "me", "my", "no", "not", "of", "on", "or", "our", "so", "than", "that", "the", "their", "then", "there",
  "these", "this", "to", "was", "we", "what", "when", "where", "which", "who", "why", "will", "with", "you", "your",
  // German
  "am", "auf", "aus", "bei", "das", "dass", "dem", "den", "der", "des", "die", "ein", "eine", "einem", "einen", "einer",
  "es", "fur", "hat", "ich", "im", "ist", "kann", "mein", "meine", "mit", "nach", "nicht", "oder", "sie", "sind", "um",
  "und", "von", "wie", "wir", "zu", "zum", "zur",
]);
