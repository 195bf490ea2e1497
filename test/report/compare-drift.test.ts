/** τ-b and RBO_ext against values worked by hand (metrics.md, "Comparing systems"). */
import { describe, expect, it } from "vitest";
import { drift, kendallTauB, queryDrift, rankBiasedOverlap } from "../../src/report/compare-drift.js";

describe("Kendall's τ-b over the union of two top-k lists", () => {
  it("is 1 for identical lists and -1 for a reversed one", () => {
    expect(kendallTauB(["a", "b", "c"], ["a", "b", "c"], 3)).toBe(1);
    expect(kendallTauB(["a", "b", "c"], ["c", "b", "a"], 3)).toBe(-1);
  });

  it("ranks absent documents k+1: [a,b,c] vs [b,a,d] is 1/3", () => {
    // Union a b c d; ranks A: 1 2 3 4, B: 2 1 4 3. Pairs: ab D, ac C, ad C, bc C, bd C, cd D → (4 − 2)/6.
    expect(kendallTauB(["a", "b", "c"], ["b", "a", "d"], 3)).toBeCloseTo(1 / 3, 12);
  });

  it("counts the ties of absent documents (τ-b's denominator)", () => {
    // k = 2, A = [a,b], B = [c,d]: union a b c d; A ranks 1 2 3 3, B ranks 3 3 1 2.
    // Pairs: ab A<, B tie; ac D; ad D; bc D; bd D; cd A tie. C=0, D=4, ties A 1, B 1: −4/√(5·5) = −0.8.
    expect(kendallTauB(["a", "b"], ["c", "d"], 2)).toBeCloseTo(-0.8, 12);
  });

  it("cuts at k and is undefined for a single document", () => {
    expect(kendallTauB(["a", "b", "x"], ["a", "b", "y"], 2)).toBe(1);
    expect(kendallTauB(["a"], ["a"], 1)).toBeNull();
  });
});

describe("RBO_ext (Webber, Moffat & Zobel 2010, eq. 32), p = 0.9", () => {
  it("is 1 for identical lists and 0 for disjoint ones", () => {
    expect(rankBiasedOverlap(["a", "b", "c", "d"], ["a", "b", "c", "d"], 4)).toBeCloseTo(1, 12);
    expect(rankBiasedOverlap(["a", "b", "c"], ["d", "e", "f"], 3)).toBe(0);
  });

  it("matches a worked example: [a,b,c] vs [b,a,d] at k = 3 is 0.63", () => {
    // X1 = 0, X2 = 2, X3 = 2: (0.1/0.9)·(0 + 1·0.81 + (2/3)·0.729) + (2/3)·0.9³ = 0.144 + 0.486.
    expect(rankBiasedOverlap(["a", "b", "c"], ["b", "a", "d"], 3)).toBeCloseTo(0.63, 12);
  });

  it("handles lists of unequal length", () => {
    // S = [a], L = [a,b]: s = 1, l = 2, X1 = 1, X2 = 1.
    // (0.1/0.9)·(1·0.9 + 0.5·0.81 + (1·1/(1·2))·0.81) + ((1−1)/2 + 1/1)·0.81 = 0.1 + 0.045 + 0.045 + 0.81 = 1.0
    expect(rankBiasedOverlap(["a"], ["a", "b"], 10)).toBeCloseTo(1, 12);
    // S = [b], L = [a,b]: X1 = 0, X2 = 1, so X_s = 0 and X_l = 1:
    // (1/9)·(0 + 0.5·0.81 + 0) + ((1 − 0)/2 + 0/1)·0.81 = 0.045 + 0.405 = 0.45
    expect(rankBiasedOverlap(["b"], ["a", "b"], 10)).toBeCloseTo(0.45, 12);
  });
});

describe("drift between two runs", () => {
  it("averages over the queries both answered", () => {
    const a = new Map([
      [
        "q1",
        [
          ["a", 3],
          ["b", 2],
          ["c", 1],
        ] as [string, number][],
      ],
      [
        "q2",
        [
          ["x", 1],
          ["y", 0.5],
        ] as [string, number][],
      ],
      ["q3", [["z", 1]] as [string, number][]],
    ]);
    const b = new Map([
      [
        "q1",
        [
          ["b", 2.5],
          ["a", 2],
          ["d", 1],
        ] as [string, number][],
      ],
      [
        "q2",
        [
          ["x", 1],
          ["y", 0.5],
        ] as [string, number][],
      ],
    ]);
    const d = drift(a, b, 3);
    expect(d.queries).toBe(2);
    expect(d.rbo).toBeCloseTo((0.63 + 1) / 2, 12);
    expect(d.tau).toBeCloseTo((1 / 3 + 1) / 2, 12);
    expect(d.top1).toBe(0.5);
    // q1: |3 − 2| and |2 − 2.5| → 0.75; q2: 0.
    expect(d.scoreDelta).toBeCloseTo(0.375, 12);
    expect(queryDrift("q", [], [], 3).rbo).toBeNull();
  });
});
