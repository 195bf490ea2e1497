import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KNOWN_ANSWER } from "../../src/rerank/known-answer.js";
import { rank } from "../../src/server/answers.js";
import { bm25, identity, MODELS, scoreDocuments, tfidfCosine } from "../../src/server/models.js";

const words = fc.constantFrom(
  "dog",
  "dogs",
  "running",
  "cat",
  "the",
  "of",
  "capital",
  "state",
  "river",
  "Sea",
  "x1",
);
const text = fc.array(words, { maxLength: 12 }).map((w) => w.join(" "));
const request = fc.record({ query: text, documents: fc.array(text, { minLength: 1, maxLength: 8 }) });

describe("bm25", () => {
  it("matches a hand computation (k1 0.9, b 0.4, Lucene idf)", () => {
    // Analysed: d0 [dog, run] |2|, d1 [cat, sleep] |2|, d2 [dog, dog, run] |3|; avgdl 7/3; query [run, dog].
    // df(run) = df(dog) = 2 of N = 3, so idf = ln(1 + (3 − 2 + 0.5)/(2 + 0.5)) = ln 1.6 for both.
    const scores = bm25("running dogs", ["the dog runs", "a cat sleeps", "dogs and dogs running"]);
    const idf = Math.log(1.6);
    const norm = (len: number) => 0.9 * (0.6 + (0.4 * len) / (7 / 3));
    const sat = (tf: number, len: number) => (tf * 1.9) / (tf + norm(len));
    expect(scores[0]).toBeCloseTo(idf * (sat(1, 2) + sat(1, 2)), 12);
    expect(scores[1]).toBe(0);
    expect(scores[2]).toBeCloseTo(idf * (sat(2, 3) + sat(1, 3)), 12);
    // The literal values (computed independently in Python), so a formula change cannot hide in the helper.
    expect(scores[0]).toBeCloseTo(0.9661589, 6);
    expect(scores[2]).toBeCloseTo(1.040638, 6);
  });

  it("matches across inflections and ignores stop words", () => {
    const [run, other] = bm25("run", ["she was running", "the walk"]);
    expect(run).toBeGreaterThan(0);
    expect(other).toBe(0);
    // A query of stop words matches nothing even though every document contains them.
    expect(bm25("the of and", ["the river of the sea", "and the"])).toEqual([0, 0]);
  });

  it("weights a repeated query term by its count", () => {
    const once = bm25("dog", ["dog", "cat"])[0];
    const twice = bm25("dog dog", ["dog", "cat"])[0];
    expect(twice).toBeCloseTo(2 * once, 12);
  });

  it("scores 0 everywhere when every document is empty after analysis", () => {
    expect(bm25("dog", ["", "the", "!!"])).toEqual([0, 0, 0]);
  });

  it("on the regolo example ranks Washington first, the capital-punishment trap second", () => {
    // Analysed query: what, capit, unit, state. N = 4 documents, avgdl = (7 + 11 + 6 + 9) / 4 = 8.25.
    // idf(capit) = ln(1 + 0.5/4.5), idf(unit) = idf(state-in-2-docs) = ln(1 + 2.5/2.5) … worked out by
    // hand in Python from the analysed tokens: Washington (dl 6) 1.2181290, the trap (dl 9) 1.1356217,
    // Carson City (dl 7) 0.4756917, Saipan (dl 11) 0.0991015.
    const scores = bm25(KNOWN_ANSWER.query, KNOWN_ANSWER.documents);
    expect(rank(scores).map((r) => r.index)).toEqual([2, 3, 0, 1]);
    expect(scores[2]).toBeCloseTo(1.218129, 6);
    expect(scores[3]).toBeCloseTo(1.1356217, 6);
    expect(scores[0]).toBeCloseTo(0.4756917, 6);
    expect(scores[1]).toBeCloseTo(0.0991015, 6);
    expect(rank(scores)[0].index).toBe(KNOWN_ANSWER.expectedFirst);
  });

  it("is finite, non-negative and independent of document order", () => {
    fc.assert(
      fc.property(request, fc.integer(), ({ query, documents }, shift) => {
        const scores = bm25(query, documents);
        for (const s of scores) expect(Number.isFinite(s) && s >= 0).toBe(true);
        const k = Math.abs(shift) % documents.length;
        const rotated = [...documents.slice(k), ...documents.slice(0, k)];
        const again = bm25(query, rotated);
        rotated.forEach((_, i) => {
          expect(again[i]).toBeCloseTo(scores[(i + k) % documents.length], 10);
        });
      }),
    );
  });
});

describe("tfidf (cosine, log tf, smoothed idf)", () => {
  it("matches a hand computation", () => {
    // N = 2; df(dog) = 1, df(cat) = 2 → idf(dog) = ln(3/2) + 1, idf(cat) = ln(3/3) + 1 = 1.
    // d0 = [dog ×2, cat]: w = ((1 + ln 2)·idf(dog), 1); q = [dog]: w = (idf(dog)). d1 lacks dog → 0.
    const idfDog = Math.log(1.5) + 1;
    const wDog = (1 + Math.log(2)) * idfDog;
    const [d0, d1] = tfidfCosine("dogs", ["dog dogs cat", "cat"]);
    expect(d0).toBeCloseTo(wDog / Math.sqrt(wDog * wDog + 1), 12);
    expect(d0).toBeCloseTo(0.921907, 6);
    expect(d1).toBe(0);
  });

  it("scores a document identical to the query 1 and honours stemming and stop words", () => {
    expect(tfidfCosine("running dogs", ["the dog runs", "cats"])[0]).toBeCloseTo(1, 12);
    expect(tfidfCosine("the of", ["the of"])).toEqual([0]);
  });

  it("stays within [0, 1] and is independent of document order", () => {
    fc.assert(
      fc.property(request, ({ query, documents }) => {
        const scores = tfidfCosine(query, documents);
        for (const s of scores) expect(s >= 0 && s <= 1 + 1e-12).toBe(true);
        const reversed = tfidfCosine(query, [...documents].reverse());
        reversed.forEach((s, i) => {
          expect(s).toBeCloseTo(scores[documents.length - 1 - i], 10);
        });
      }),
    );
  });
});

describe("identity and random", () => {
  it("identity scores input order: 1 − i/n", () => {
    expect(identity(4)).toEqual([1, 0.75, 0.5, 0.25]);
    expect(rank(scoreDocuments("identity", "q", ["c", "b", "a"])).map((r) => r.index)).toEqual([0, 1, 2]);
  });

  it("random is deterministic per (seed, query, document), in [0, 1), and changes with the seed", () => {
    const docs = ["alpha", "beta", "gamma", "delta", "epsilon"];
    const a = scoreDocuments("random", "q", docs, 7);
    expect(scoreDocuments("random", "q", docs, 7)).toEqual(a);
    expect(scoreDocuments("random", "q", [...docs].reverse(), 7)).toEqual([...a].reverse());
    expect(scoreDocuments("random", "q", docs, 8)).not.toEqual(a);
    expect(scoreDocuments("random", "other query", docs, 7)).not.toEqual(a);
    for (const s of a) expect(s >= 0 && s < 1).toBe(true);
  });

  it("random gives every position a fair chance of ranking first", () => {
    const firsts = new Array(4).fill(0);
    for (let q = 0; q < 2000; q++)
      firsts[rank(scoreDocuments("random", `q${q}`, ["a", "b", "c", "d"], 1))[0].index]++;
    for (const f of firsts) expect(f).toBeGreaterThan(400); // expectation 500 each
  });

  it("exposes the four models", () => {
    expect([...MODELS]).toEqual(["bm25", "tfidf", "identity", "random"]);
  });
});

describe("rank", () => {
  it("sorts by score desc, ties by index asc, and cuts to top_n", () => {
    expect(rank([0.5, 0.9, 0.5, 0.1])).toEqual([
      { index: 1, score: 0.9 },
      { index: 0, score: 0.5 },
      { index: 2, score: 0.5 },
      { index: 3, score: 0.1 },
    ]);
    expect(rank([0.5, 0.9, 0.5], 2).map((r) => r.index)).toEqual([1, 0]);
    expect(rank([0.5, 0.9], 10)).toHaveLength(2);
  });
});
