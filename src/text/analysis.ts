import { stemmer } from "stemmer";

/**
 * English analysis shared by the lexical scorers (the embedded server's, and a BM25 first stage's:
 * a neutral module, so neither imports the other), modelled on Lucene's EnglishAnalyzer minus its
 * possessive filter: lowercase, split on anything that is not a Unicode letter or digit, drop Lucene's
 * 33 English stop words (EnglishAnalyzer.ENGLISH_STOP_WORDS_SET), Porter-stem what is left.
 */
export const ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set([
  "a",
  "an",
  "and",
  "are",
  "as",
  "at",
  "be",
  "but",
  "by",
  "for",
  "if",
  "in",
  "into",
  "is",
  "it",
  "no",
  "not",
  "of",
  "on",
  "or",
  "such",
  "that",
  "the",
  "their",
  "then",
  "there",
  "these",
  "they",
  "this",
  "to",
  "was",
  "will",
  "with",
]);

const NON_WORD = /[^\p{L}\p{N}]+/u;

// Stemming dominates analysis time and real text repeats words heavily, so stems are memoised.
// The cap keeps a long-running server from growing without bound on adversarial vocabularies.
const STEM_CACHE_LIMIT = 100_000;
const stemCache = new Map<string, string>();

function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = stemmer(word);
    if (stemCache.size >= STEM_CACHE_LIMIT) stemCache.clear();
    stemCache.set(word, s);
  }
  return s;
}

/** The analysed terms of a text, in order, duplicates kept (term frequencies need them). */
export function analyze(text: string): string[] {
  const terms: string[] = [];
  for (const token of text.toLowerCase().split(NON_WORD)) {
    if (token === "" || ENGLISH_STOP_WORDS.has(token)) continue;
    terms.push(stem(token));
  }
  return terms;
}

/** Term → frequency for one analysed text. */
export function termFrequencies(terms: readonly string[]): Map<string, number> {
  const tf = new Map<string, number>();
  for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
  return tf;
}
