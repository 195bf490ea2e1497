import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { analyze, ENGLISH_STOP_WORDS, termFrequencies } from "../../src/text/analysis.js";

describe("English analysis", () => {
  it("has exactly Lucene's 33 English stop words", () => {
    expect(ENGLISH_STOP_WORDS.size).toBe(33);
    for (const w of ["a", "the", "with", "their", "such", "will"])
      expect(ENGLISH_STOP_WORDS.has(w)).toBe(true);
    expect(ENGLISH_STOP_WORDS.has("what")).toBe(false);
  });

  it("lowercases, drops stop words and Porter-stems", () => {
    expect(analyze("The Running of THE dogs, and a Cat!")).toEqual(["run", "dog", "cat"]);
    expect(analyze("running")).toEqual(analyze("runs"));
    expect(analyze("Capital")).toEqual(["capit"]);
  });

  it("splits on anything but Unicode letters and digits, keeping non-ASCII words whole", () => {
    expect(analyze("café-au-lait  naïve/Zürich 42nd\tπ")).toEqual([
      "café",
      "au",
      "lait",
      "naïv",
      "zürich",
      "42nd",
      "π",
    ]);
    expect(analyze("北京 ist schön")).toEqual(["北京", "ist", "schön"]);
  });

  it("gives nothing for empty, punctuation-only and stop-word-only text", () => {
    expect(analyze("")).toEqual([]);
    expect(analyze("  ...!?  ")).toEqual([]);
    expect(analyze("the and of it")).toEqual([]);
  });

  it("never emits an empty term, whatever the input", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), (text) => {
        expect(analyze(text)).not.toContain("");
      }),
    );
  });

  // Stop words are dropped before stemming, as in Lucene, so a stem may still equal one ("tos" → "to");
  // the invariant is that stop words and letter case in the input change nothing.
  it("ignores inserted stop words and ASCII letter case", () => {
    const word = fc.stringMatching(/^[A-Za-z0-9]{1,10}$/);
    const stop = fc.constantFrom(...ENGLISH_STOP_WORDS);
    fc.assert(
      fc.property(fc.array(fc.tuple(word, fc.array(stop, { maxLength: 2 })), { maxLength: 20 }), (pairs) => {
        const plain = pairs.map(([w]) => w).join(" ");
        const padded = pairs.map(([w, stops]) => [...stops, w].join(" , ")).join(" ");
        expect(analyze(padded.toUpperCase())).toEqual(analyze(plain));
      }),
    );
  });

  it("counts term frequencies", () => {
    expect(Object.fromEntries(termFrequencies(analyze("dogs dog cat DOG")))).toEqual({ dog: 3, cat: 1 });
  });
});
