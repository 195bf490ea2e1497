/**
 * Ranking diffs: the queries with the largest |Δ| against the baseline, both top-k lists with
 * grades and what moved, checked on hand-made rankings.
 */
import { describe, expect, it } from "vitest";
import { rankingDiff } from "../../src/report/diffs.js";
import { manifest, record, score, variant } from "./fixtures.js";

const qrels = new Map([
  [
    "q1",
    new Map([
      ["a", 2],
      ["b", 0],
      ["c", 1],
    ]),
  ],
  ["q2", new Map([["d", 1]])],
  ["q3", new Map([["g", 1]])],
]);

describe("rankingDiff", () => {
  it("tags promoted, demoted, new and lost hits, with grades (null when unjudged), largest |Δ| first", () => {
    const base = [
      record("b", "q1", [
        ["b", 0.9],
        ["a", 0.8],
        ["x", 0.7],
      ]),
      record("b", "q2", [
        ["d", 0.9],
        ["e", 0.1],
      ]),
      record("b", "q3", [["g", 1]]),
    ];
    const v = [
      record("v", "q1", [
        ["a", 0.9],
        ["c", 0.8],
        ["b", 0.7],
      ]),
      record("v", "q2", [], { error: { kind: "http", status: 500, message: "x" } }),
      record("v", "q3", [["g", 1]]),
    ];
    const d = rankingDiff({
      baseline: "b",
      variant: "v",
      measure: "AP",
      basePerQuery: { q1: 0.5, q2: 1, q3: 1 },
      variantPerQuery: { q1: 1, q2: 0, q3: 1 },
      baseRecords: base,
      variantRecords: v,
      qrels,
      k: 2,
      n: 5,
    });
    // q3 did not change: not shown. q1 (+0.5) and q2 (−1): q2 first.
    expect(d.queries.map((q) => [q.qid, q.delta])).toEqual([
      ["q2", -1],
      ["q1", 0.5],
    ]);
    const [q2, q1] = d.queries;
    expect(q2.variant).toEqual([]); // the failed task has no ranking
    expect(q2.baseline).toEqual([
      { rank: 1, docId: "d", grade: 1, tag: "lost hit" },
      { rank: 2, docId: "e", grade: null, tag: "" },
    ]);
    expect(q1.baseline).toEqual([
      { rank: 1, docId: "b", grade: 0, tag: "" }, // not in the variant's top 2, but not relevant
      { rank: 2, docId: "a", grade: 2, tag: "promoted" },
    ]);
    expect(q1.variant).toEqual([
      { rank: 1, docId: "a", grade: 2, tag: "promoted" },
      { rank: 2, docId: "c", grade: 1, tag: "new hit" },
    ]);
  });

  it("keeps the n largest, ties in query order", () => {
    const per = (x: number) => ({ q1: x, q2: x, q3: x });
    const d = rankingDiff({
      baseline: "b",
      variant: "v",
      measure: "AP",
      basePerQuery: per(0),
      variantPerQuery: per(1),
      baseRecords: [],
      variantRecords: [],
      qrels,
      k: 3,
      n: 2,
    });
    expect(d.queries.map((q) => q.qid)).toEqual(["q1", "q2"]);
  });

  it("the report compares every variant with the baseline: first-stage when there is one", () => {
    const fs = {
      ...variant("first-stage"),
      kind: "first-stage" as const,
      model: null,
      provider: null,
      endpoint: null,
    };
    const r = score(manifest([variant("x", 2), fs]), [
      record("x.top2", "q1", [
        ["b", 0.9],
        ["a", 0.5],
      ]),
      record("x.top2", "q2", [["e", 1]]),
    ]);
    expect(r.baseline).toBe("first-stage");
    expect(r.rankingDiffs.map((d) => [d.baseline, d.variant])).toEqual([["first-stage", "x.top2"]]);
    expect(() => score(manifest([variant("x", 2), fs]), [], undefined, { baseline: "nope" })).toThrow(
      /baseline 'nope' is not a variant of this run; it has x.top2, first-stage/,
    );
  });
});
