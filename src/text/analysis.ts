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

/** A word character: a Unicode letter or digit (anything else separates words). */
const WORD_CHAR = /^[\p{L}\p{N}]$/u;
/** Per UTF-16 unit: 1 a word character, 2 a separator, 3 a high surrogate, 0 not yet classified. */
const UNIT_CLASS = new Uint8Array(0x10000);
const WORD = 1;
const SEPARATOR = 2;
const HIGH_SURROGATE = 3;
for (let c = 0; c < 0x80; c++) UNIT_CLASS[c] = WORD_CHAR.test(String.fromCharCode(c)) ? WORD : SEPARATOR;
UNIT_CLASS.fill(HIGH_SURROGATE, 0xd800, 0xdc00);
/** Code points above U+FFFF, classified on first sight (rare in text). */
const ASTRAL_WORD = new Map<number, boolean>();

/** Whether the code point at s[i] (unit c) is a word character, and its width in units (1 or 2). */
function classify(s: string, i: number, c: number): { word: boolean; width: number } {
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) {
      const cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
      let w = ASTRAL_WORD.get(cp);
      if (w === undefined) {
        w = WORD_CHAR.test(String.fromCodePoint(cp));
        ASTRAL_WORD.set(cp, w);
      }
      return { word: w, width: 2 };
    }
  }
  // A lone surrogate is its own code point (category Cs) to the regex, as it is to split(/…/u).
  if (UNIT_CLASS[c] === 0) UNIT_CLASS[c] = WORD_CHAR.test(String.fromCharCode(c)) ? WORD : SEPARATOR;
  return { word: UNIT_CLASS[c] === WORD, width: 1 };
}

/**
 * The words of a text in place, without a string per word: each `next()` moves `start`/`end` to
 * the next run of Unicode letters and digits (UTF-16 offsets; a surrogate pair is one code point),
 * and `hash` is FNV-1a over that run's UTF-16 units (hashRange), for look-ups keyed by the run
 * itself. The same words, in the same order, as `text.split(/[^\p{L}\p{N}]+/u)` without its empty
 * strings (test/text/words.test.ts checks it on random Unicode text).
 */
export class WordScanner {
  start = 0;
  end = 0;
  hash = 0;
  private text = "";
  private pos = 0;

  reset(text: string): this {
    this.text = text;
    this.pos = 0;
    return this;
  }

  next(): boolean {
    const s = this.text;
    const n = s.length;
    let i = this.pos;
    let h = 0x811c9dc5 | 0;
    let start = -1;
    while (i < n) {
      const c = s.charCodeAt(i);
      const k = UNIT_CLASS[c];
      if (k === WORD) {
        if (start < 0) start = i;
        h = Math.imul(h ^ c, 0x01000193);
        i++;
      } else if (k === SEPARATOR) {
        if (start >= 0) break;
        i++;
      } else {
        const { word, width } = classify(s, i, c);
        if (word) {
          if (start < 0) start = i;
          for (let j = i; j < i + width; j++) h = Math.imul(h ^ s.charCodeAt(j), 0x01000193);
        } else if (start >= 0) break;
        i += width;
      }
    }
    this.pos = i;
    if (start < 0) return false;
    this.start = start;
    this.end = i;
    this.hash = h;
    return true;
  }
}

/** FNV-1a over the UTF-16 units of s[start, end): the same hash WordScanner gives a word. */
export function hashRange(s: string, start = 0, end = s.length): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

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

/**
 * The term of one lower-cased word (a WordScanner run of lower-cased text), or undefined for a
 * stop word. analyze() is this over every word, so a caller that caches it per distinct word
 * indexes exactly analyze()'s terms.
 */
export function analyzeWord(word: string): string | undefined {
  return ENGLISH_STOP_WORDS.has(word) ? undefined : stem(word);
}

const scanner = new WordScanner();

/** The analysed terms of a text, in order, duplicates kept (term frequencies need them). */
export function analyze(text: string): string[] {
  const terms: string[] = [];
  const lower = text.toLowerCase();
  const words = scanner.reset(lower);
  while (words.next()) {
    const term = analyzeWord(lower.slice(words.start, words.end));
    if (term !== undefined) terms.push(term);
  }
  words.reset("");
  return terms;
}

/** Term → frequency for one analysed text. */
export function termFrequencies(terms: readonly string[]): Map<string, number> {
  const tf = new Map<string, number>();
  for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
  return tf;
}
