/** BM25 scores against numbers worked out from the formula here, not from the code under test. */
import { describe, expect, it } from "vitest";
import { Bm25IndexBuilder, byte4ToInt, intToByte4, luceneLength } from "../../src/retrieval/index.js";
import { analyze } from "../../src/text/analysis.js";

const K1 = 0.9;
const B = 0.4;
const idf = (N: number, n: number) => Math.log(1 + (N - n + 0.5) / (n + 0.5));
const part = (N: number, n: number, tf: number, dl: number, avgdl: number) =>
  (idf(N, n) * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * dl) / avgdl));

function index(docs: [string, string][]) {
  const b = new Bm25IndexBuilder();
  for (const [id, text] of docs) expect(b.add(id, text)).toBe(true);
  return b.finish();
}

describe("BM25 scores", () => {
  // Analysed: d1 "cat cat sat mat" (4 terms: "the" is a stop word), d2 "dog sat log" (3),
  // d3 "cat dog" (2), d4 "bird" (1). N = 4, avgdl = 10 / 4 = 2.5; "cat" and "sat" are in 2 documents each.
  const idx = index([
    ["d1", "Cat. The cat sat on the mat"],
    ["d2", "Dog sat; log"],
    ["d3", "cats dog"],
    ["d4", "bird"],
  ]);

  it("match the formula written out, one query term and several", () => {
    expect(idx.docCount).toBe(4);
    expect(idx.avgdl).toBe(2.5);
    const hits = idx.search("the cat sat", { k: 10 });
    const d1 = part(4, 2, 2, 4, 2.5) + part(4, 2, 1, 4, 2.5);
    const d2 = part(4, 2, 1, 3, 2.5);
    const d3 = part(4, 2, 1, 2, 2.5);
    // d3 is shorter than d2, so its single "cat" outscores d2's single "sat" (same idf).
    expect(hits.map((h) => h.docId)).toEqual(["d1", "d3", "d2"]);
    expect(hits[0].score).toBeCloseTo(d1, 12);
    expect(hits[1].score).toBeCloseTo(d3, 12);
    expect(hits[2].score).toBeCloseTo(d2, 12);
    // Numbers, to catch a formula wrong in both places: idf(4, 2) = ln(1 + 2.5/2.5) = ln 2.
    expect(idf(4, 2)).toBeCloseTo(Math.LN2, 15);
    expect(d3).toBeCloseTo((Math.LN2 * 1.9) / (1 + 0.9 * (0.6 + (0.4 * 2) / 2.5)), 15);
  });

  it("count a query term as often as the query repeats it", () => {
    const once = idx.search("bird", { k: 1 })[0].score;
    const twice = idx.search("bird birds", { k: 1 })[0].score;
    expect(once).toBeCloseTo(part(4, 1, 1, 1, 2.5), 12);
    expect(twice).toBeCloseTo(2 * once, 12);
  });

  it("find nothing for a query of stop words or unknown terms, and honour k", () => {
    expect(idx.search("the and of", { k: 10 })).toEqual([]);
    expect(idx.search("zebra", { k: 10 })).toEqual([]);
    expect(idx.search("cat sat dog", { k: 2 }).map((h) => h.docId)).toHaveLength(2);
    expect(idx.search("cat", { k: 0 })).toEqual([]);
  });

  it("break ties by doc id descending in byte order, as trec_eval orders them", () => {
    const tied = index([
      ["a", "same words here"],
      ["c", "same words here"],
      ["b", "same words here"],
      ["\u{1F600}", "same words here"], // above U+FFFF: after U+FF5E ("～") in UTF-8 bytes
      ["\uFF5E", "same words here"],
      ["z", "other"],
    ]);
    const hits = tied.search("words", { k: 10 });
    expect(hits.map((h) => h.docId)).toEqual(["\u{1F600}", "\uFF5E", "c", "b", "a"]);
    expect(new Set(hits.map((h) => h.score)).size).toBe(1);
    // The heap keeps the right ones when k cuts through the tie.
    expect(tied.search("words", { k: 2 }).map((h) => h.docId)).toEqual(["\u{1F600}", "\uFF5E"]);
  });

  it("drop the document whose id is the query's (ignore identical ids)", () => {
    expect(idx.search("bird", { k: 5, excludeId: "d4" })).toEqual([]);
    expect(idx.search("cat", { k: 5, excludeId: "d1" }).map((h) => h.docId)).toEqual(["d3"]);
    expect(idx.search("cat", { k: 5, excludeId: "nope" }).map((h) => h.docId)).toEqual(["d1", "d3"]); // tf 2 beats length 2
  });

  it("index analyze()'s terms, in ASCII text and in any other (two splitting paths)", () => {
    const texts = [
      "Running runners RAN to the 3.5µm Straße; café-au-lait, naïve İstanbul ΑΒΓ data",
      "Plain ASCII: running runners, the data-sets of 2019 (and 42)!",
    ];
    for (const text of texts) {
      const terms = analyze(text);
      const idx = index([
        ["doc", text],
        ["other", "unrelated words only"],
      ]);
      const avgdl = (terms.length + 3) / 2;
      for (const term of new Set(terms)) {
        const tf = terms.filter((t) => t === term).length;
        const hit = idx.search(term, { k: 5 }).find((h) => h.docId === "doc");
        // The score needs the same tf and the same length as analyze() gives.
        expect(hit?.score, term).toBeCloseTo(part(2, 1, tf, terms.length, avgdl), 12);
      }
    }
  });

  it("keep a tf exact in each width the tf array takes (Uint8, Uint16, Int32)", () => {
    for (const n of [255, 300, 65_535, 70_000]) {
      const idx = index([
        ["many", "spam ".repeat(n)],
        ["one", "spam eggs"],
      ]);
      const avgdl = (n + 2) / 2;
      const hits = idx.search("spam", { k: 2 });
      expect(hits.map((h) => h.docId)).toEqual(["many", "one"]);
      // The length is the norm byte's; the tf must be n, not n clipped or wrapped to the array's width.
      expect(hits[0].score, `tf ${n}`).toBeCloseTo(part(2, 2, n, luceneLength(n), avgdl), 12);
      expect(hits[0].score, `tf ${n}`).not.toBeCloseTo(part(2, 2, n - 1, luceneLength(n), avgdl), 12);
    }
  });

  it("refuse a document id added twice", () => {
    const b = new Bm25IndexBuilder();
    expect(b.add("x", "one")).toBe(true);
    expect(b.add("x", "two")).toBe(false);
    expect(b.finish().docIds).toEqual(["x"]);
  });
});

describe("Lucene's 1-byte length norm (SmallFloat.intToByte4)", () => {
  it("keeps lengths up to 23 exact and rounds longer ones down to 4 significant bits", () => {
    for (let i = 0; i < 24; i++) expect(luceneLength(i)).toBe(i);
    // 100 − 24 = 76 = 0b1001100: keep 0b1001 << 3 = 72, + 24 = 96; byte 24 + (0b001 | (3+1) << 3) = 57.
    expect(intToByte4(100)).toBe(57);
    expect(byte4ToInt(57)).toBe(96);
    expect(luceneLength(24)).toBe(24);
    expect(luceneLength(40)).toBe(40); // 16 = 0b10000 → 4 bits keep it
    expect(luceneLength(41)).toBe(40);
    expect(intToByte4(0x7fffffff)).toBe(255);
    let previous = -1;
    for (let i = 0; i < 5000; i++) {
      const l = luceneLength(i);
      expect(l).toBeLessThanOrEqual(i);
      expect(l).toBeGreaterThanOrEqual(previous);
      previous = l;
    }
  });

  it("is what scores see: a 100-term document is scored as 96 terms long", () => {
    const long = `${"fill ".repeat(99)}needle`;
    const idx = index([
      ["long", long],
      ["short", "needle"],
    ]);
    const avgdl = (100 + 1) / 2;
    const hit = idx.search("needle", { k: 2 }).find((h) => h.docId === "long");
    expect(hit?.score).toBeCloseTo(part(2, 2, 1, 96, avgdl), 12);
    expect(hit?.score).not.toBeCloseTo(part(2, 2, 1, 100, avgdl), 6);
  });
});
