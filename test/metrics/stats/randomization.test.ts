import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EXACT_MAX_QUERIES, exactSignFlipP, pairedComparison } from "../../../src/metrics/index.js";
import { sampledSignFlipP, signFlipSums } from "../../../src/metrics/stats/randomization.js";
import { REF } from "./reference.js";

/** All 2ⁿ sign patterns, each total summed afresh in query order: the definition, slowly. */
function bruteForceP(d: number[]): number {
  let observed = 0;
  for (const x of d) observed += x;
  let hits = 0;
  for (let mask = 0; mask < 2 ** d.length; mask++) {
    let t = 0;
    for (let i = 0; i < d.length; i++) t += (mask >> i) & 1 ? -d[i] : d[i];
    if (Math.abs(t) >= Math.abs(observed) - 1e-12) hits++;
  }
  return hits / 2 ** d.length;
}

const diffs = (name: string) => REF.pairs[name].variant.map((v, i) => v - REF.pairs[name].base[i]);

describe("paired randomization test, exact (n ≤ 20: all 2ⁿ sign flips)", () => {
  for (const name of ["n8", "n12ties", "n20"])
    it(`${name}: equals scipy's permutation_test (n_resamples=inf) and a brute-force enumeration`, () => {
      const r = REF.pairs[name];
      expect(r.permutation.exact).toBe(true);
      const p = exactSignFlipP(diffs(name));
      expect(Math.abs(p - r.permutation.p)).toBeLessThanOrEqual(1e-12);
      expect(p).toBe(bruteForceP(diffs(name)));
      const c = pairedComparison(r.base, r.variant, { seed: 1 });
      expect(c.randomization).toBe("exact");
      expect(c.pRandomization).toBe(p);
    });

  it("n12ties: ties of |T| that rounding breaks (0.1 + 0.2 vs 0.3) still count as reached", () => {
    // Without the 1e-12 tolerance some patterns with |T| = |T_obs| in exact arithmetic would miss.
    const d = diffs("n12ties");
    let strict = 0;
    const obs = Math.abs(d.reduce((a, b) => a + b, 0));
    for (let mask = 0; mask < 2 ** d.length; mask++) {
      let t = 0;
      for (let i = 0; i < d.length; i++) t += (mask >> i) & 1 ? -d[i] : d[i];
      if (Math.abs(t) >= obs) strict++;
    }
    expect(strict / 2 ** d.length).toBeLessThan(exactSignFlipP(d));
  });

  it("equals brute force on random vectors of 1..12 queries with ties and zeros", () => {
    const value = fc.integer({ min: -20, max: 20 }).map((k) => k / 20);
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 12 }), (d) => {
        expect(exactSignFlipP(d)).toBe(bruteForceP(d));
      }),
      { numRuns: 200 },
    );
  });

  it("p is in [2/2ⁿ, 1] when some difference is not 0 (a pattern and its mirror), and 1 when all are", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 14 }),
        (d) => {
          const p = exactSignFlipP(d);
          expect(p).toBeLessThanOrEqual(1);
          if (d.every((x) => x === 0)) expect(p).toBe(1);
          else expect(p).toBeGreaterThanOrEqual(2 / 2 ** d.length);
        },
      ),
      { numRuns: 100 },
    );
    expect(() => exactSignFlipP(new Array(EXACT_MAX_QUERIES + 1).fill(0.1))).toThrow(RangeError);
  });
});

describe("paired randomization test, sampled (n > 20)", () => {
  // Tolerance: 4 combined Monte Carlo standard errors, ours (10,000 patterns: √(p(1 − p)/10⁴)) and
  // scipy's (100,000 resamples, its own estimator's error, in the fixture).
  for (const name of ["n30", "n50"])
    it(`${name}: within 4 Monte Carlo standard errors of scipy's permutation_test`, () => {
      const r = REF.pairs[name];
      const c = pairedComparison(r.base, r.variant, { seed: 2024 });
      expect(c.randomization).toBe("sampled");
      const p = r.permutation.p;
      const tol = 4 * Math.sqrt(r.permutation.mcSe ** 2 + (p * (1 - p)) / 10_000);
      expect(Math.abs((c.pRandomization as number) - p), `ours ${c.pRandomization}, scipy ${p}`).toBeLessThan(
        tol,
      );
      expect(c.pRandomization).toBeGreaterThanOrEqual(1 / 10_001);
    });

  it("sampling (100,000 patterns) agrees with the exact p of n20 within 4 standard errors", () => {
    const r = REF.pairs.n20;
    const cols = [Float64Array.from(r.base), Float64Array.from(r.variant)];
    const sums = signFlipSums(cols, 100_000, 5);
    const observed = cols[1].reduce((a, b) => a + b, 0) - cols[0].reduce((a, b) => a + b, 0);
    const p = r.permutation.p;
    expect(Math.abs(sampledSignFlipP(sums, 2, 0, 1, observed) - p)).toBeLessThan(
      4 * Math.sqrt((p * (1 - p)) / 1e5),
    );
  });
});
