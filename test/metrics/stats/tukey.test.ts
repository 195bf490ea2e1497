import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compactLetters, startTukeyHSD, tukeyHSD } from "../../../src/metrics/index.js";
import { REF } from "./reference.js";

describe("randomized Tukey HSD", () => {
  const result = tukeyHSD(REF.tukey.systems, { seed: 1 });

  it("p-values within 4 Monte Carlo standard errors of an independent numpy implementation", () => {
    // make.py permutes each query's row with numpy (100,000 samples); ours draws 10,000. Tolerance:
    // 4·√(p(1 − p)/10⁴ + se²), se the reference's own error; p-values at the floor (no sample
    // reaches the observed difference) are 1/(B + 1) for each, hence the 1/10,001 floor term.
    expect(result.pairs.map((p) => [p.a, p.b])).toEqual(REF.tukey.pairs.map((p) => [p.a, p.b]));
    for (const [i, ours] of result.pairs.entries()) {
      const ref = REF.tukey.pairs[i];
      const p = ref.pRandomized;
      const tol = 4 * Math.sqrt((p * (1 - p)) / 1e4 + ref.pRandomizedMcSe ** 2) + 1 / 10_001;
      expect(Math.abs(ours.p - p), `${ours.a}–${ours.b}: ${ours.p} vs ${p}`).toBeLessThan(tol);
      expect(ours.delta).toBeCloseTo(ref.delta, 12);
    }
  });

  it("loosely agrees with scipy's classical (one-way) Tukey HSD", () => {
    // The classical test assumes normal errors and ignores the pairing by query; the randomized one
    // permutes within queries under the global null, so it is conservative when other systems differ
    // a lot (their spread enters the permutation distribution). On this matrix (small query effect)
    // the two stay within 0.1 of each other, and clear-cut decisions agree: classical p < 0.01 →
    // randomized p < 0.05; classical p > 0.2 → randomized p > 0.1.
    for (const [i, ours] of result.pairs.entries()) {
      const ref = REF.tukey.pairs[i];
      expect(Math.abs(ours.p - ref.pOneWay), `${ours.a}–${ours.b}`).toBeLessThan(0.1);
      if (ref.pOneWay < 0.01) expect(ours.p).toBeLessThan(0.05);
      if (ref.pOneWay > 0.2) expect(ours.p).toBeGreaterThan(0.1);
      // never much below the classical blocked test's p, its parametric counterpart
      expect(ours.p).toBeGreaterThan(ref.pBlocked - 0.01);
    }
  });

  it("letters: E best (a); C and D with E and with B; A only with B", () => {
    // Significant at 0.05: A–C, A–D, A–E, B–E; the rest not.
    expect(result.letters).toEqual({ E: "a", C: "ab", D: "ab", B: "bc", A: "c" });
    expect(result.method).toBe("randomized Tukey HSD");
    expect(result.queries).toBe(30);
  });

  it("a clear-cut matrix: two groups far apart, letters a and b", () => {
    const q = Array.from({ length: 40 }, (_, i) => (i % 10) / 20);
    const scores = {
      low1: q.map((x, i) => x + (i % 3) * 0.01),
      high1: q.map((x, i) => x + 0.3 + (i % 4) * 0.01),
      low2: q.map((x, i) => x + (i % 5) * 0.005),
      high2: q.map((x, i) => x + 0.3 + (i % 2) * 0.01),
    };
    const r = tukeyHSD(scores, { seed: 9, permutations: 2000 });
    expect(r.letters).toEqual({ high1: "a", high2: "a", low1: "b", low2: "b" });
    for (const p of r.pairs) expect(p.significant).toBe(p.a.slice(0, -1) !== p.b.slice(0, -1));
  });

  it("deterministic; one variant or identical variants: no difference", () => {
    expect(JSON.stringify(tukeyHSD(REF.tukey.systems, { seed: 1 }))).toBe(JSON.stringify(result));
    expect(tukeyHSD({ only: [0.1, 0.2] }, { seed: 1 })).toMatchObject({ pairs: [], letters: { only: "a" } });
    const same = tukeyHSD({ x: [0.1, 0.5, 0.3], y: [0.1, 0.5, 0.3] }, { seed: 1, permutations: 50 });
    expect(same.pairs[0]).toMatchObject({ delta: 0, p: 1, significant: false });
    expect(() => tukeyHSD({ x: [0.1], y: [0.1, 0.2] }, { seed: 1 })).toThrow(/not aligned/);
  });

  it("more than 12 variants (one word per Fisher–Yates step) still works", () => {
    const scores = Object.fromEntries(
      Array.from({ length: 14 }, (_, v) => [
        `v${v}`,
        Array.from({ length: 25 }, (_, i) => ((i * 7 + v) % 11) / 11 + v * 0.02),
      ]),
    );
    const r = tukeyHSD(scores, { seed: 4, permutations: 500 });
    expect(r.pairs).toHaveLength(91);
    expect(r.letters.v13.startsWith("a")).toBe(true);
  });
});

describe("compact letter display (Piepho's insert-and-absorb, then sweep)", () => {
  it("shares a letter exactly when the pair is not significantly different, for any pattern", () => {
    const pattern = fc
      .integer({ min: 1, max: 8 })
      .chain((k) =>
        fc.tuple(
          fc.constant(k),
          fc.array(fc.boolean(), { minLength: (k * (k - 1)) / 2, maxLength: (k * (k - 1)) / 2 }),
        ),
      );
    fc.assert(
      fc.property(pattern, ([k, bits]) => {
        const at = (i: number, j: number) => {
          const [a, b] = i < j ? [i, j] : [j, i];
          return bits[a * k - (a * (a + 1)) / 2 + (b - a - 1)];
        };
        const ids = Array.from({ length: k }, (_, i) => `s${i}`);
        const letters = compactLetters(ids, at);
        for (let i = 0; i < k; i++) {
          expect(letters[ids[i]].length).toBeGreaterThan(0);
          for (let j = i + 1; j < k; j++) {
            const share = [...letters[ids[i]]].some((c) => letters[ids[j]].includes(c));
            expect(share).toBe(!at(i, j));
          }
        }
        expect(letters[ids[0]].startsWith("a")).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("the textbook overlap: best and worst differ, the middle one differs from neither", () => {
    expect(compactLetters(["best", "mid", "worst"], (i, j) => i === 0 && j === 2)).toEqual({
      best: "a",
      mid: "ab",
      worst: "b",
    });
    expect(compactLetters(["x", "y", "z"], () => false)).toEqual({ x: "a", y: "a", z: "a" });
    expect(compactLetters(["x", "y", "z"], () => true)).toEqual({ x: "a", y: "b", z: "c" });
  });
});

describe("Tukey's permutations on a second core", () => {
  it("give the inline figures byte for byte, and the report's path really ran them aside", async () => {
    const { lastJoin } = await import("../../../src/metrics/stats/aside.js");
    const systems = REF.tukey.systems;
    const inline = tukeyHSD(systems, { seed: 7, parallel: "never" });
    expect(lastJoin.aside).toBe(false);
    const aside = startTukeyHSD(systems, { seed: 7, parallel: "always" }).join();
    expect(lastJoin.aside).toBe(true);
    expect(JSON.stringify(aside)).toBe(JSON.stringify(inline));
    // Another seed gives other figures: the worker really read the seed it was given.
    const other = startTukeyHSD(systems, { seed: 8, parallel: "always" }).join();
    expect(other.pairs.map((p) => p.p)).not.toEqual(inline.pairs.map((p) => p.p));
  }, 20_000);
});
