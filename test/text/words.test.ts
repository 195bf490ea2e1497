/** The char-code word scanner against the regex split it replaced, on random Unicode text. */
import fc from "fast-check";
import { stemmer } from "stemmer";
import { describe, expect, it } from "vitest";
import { analyze, ENGLISH_STOP_WORDS, hashRange, WordScanner } from "../../src/text/analysis.js";

/** The split analyze() used before the scanner: anything but a Unicode letter or digit. */
const NON_WORD = /[^\p{L}\p{N}]+/u;
const oldAnalyze = (text: string) =>
  text
    .toLowerCase()
    .split(NON_WORD)
    .filter((w) => w !== "" && !ENGLISH_STOP_WORDS.has(w))
    .map((w) => stemmer(w));

function scan(text: string): { words: string[]; hashes: number[] } {
  const s = new WordScanner().reset(text);
  const words: string[] = [];
  const hashes: number[] = [];
  while (s.next()) {
    words.push(text.slice(s.start, s.end));
    hashes.push(s.hash);
  }
  return { words, hashes };
}

/** Text mixing ASCII, any code point, lone surrogate halves, and letters/digits/marks that split oddly. */
const unit = fc.oneof(
  fc.string({ unit: "grapheme-ascii", maxLength: 4 }),
  fc.string({ unit: "binary", maxLength: 3 }),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
  fc.constantFrom(
    "İ",
    "ß",
    "Σ",
    "ς",
    "\u0307",
    "٣",
    "Ⅻ",
    "\u{1D7D8}",
    "\u{1F600}",
    "\u{20000}",
    "ǅ",
    "ﬁ",
    " ",
    "-",
    "_",
  ),
);
const text = fc.array(unit, { maxLength: 30 }).map((parts) => parts.join(""));

describe("WordScanner", () => {
  it("finds the words split(/[^\\p{L}\\p{N}]+/u) finds, and hashes each as hashRange does", () => {
    fc.assert(
      fc.property(text, (t) => {
        const { words, hashes } = scan(t);
        expect(words).toEqual(t.split(NON_WORD).filter((w) => w !== ""));
        expect(hashes).toEqual(words.map((w) => hashRange(w)));
      }),
      { numRuns: 1000 },
    );
  });

  it("handles the edges: empty text, no words, a word at each end, surrogate pairs and halves", () => {
    expect(scan("").words).toEqual([]);
    expect(scan(" ,.; ").words).toEqual([]);
    expect(scan("ab").words).toEqual(["ab"]);
    expect(scan("-a-").words).toEqual(["a"]);
    // U+1D7D8 (a mathematical digit, Nd) is a word character as a pair; a lone half is not.
    expect(scan("x\u{1D7D8}y \uD835 z\uDFD8").words).toEqual(["x\u{1D7D8}y", "z"]);
    expect(scan("a\u{1F600}b").words).toEqual(["a", "b"]);
  });
});

describe("analyze over the scanner", () => {
  it("gives the same terms as the regex split it replaced", () => {
    fc.assert(
      fc.property(text, (t) => {
        expect(analyze(t)).toEqual(oldAnalyze(t));
      }),
      { numRuns: 1000 },
    );
    const prose = "The İstanbul café's naïve ΣΟΦΙΑ ran 3.5µm tests; ﬁne-tuned runners ran.";
    expect(analyze(prose)).toEqual(oldAnalyze(prose));
  });
});
