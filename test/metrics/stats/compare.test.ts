import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type PairedComparison, pairedComparison, pairedComparisons } from "../../../src/metrics/index.js";
import { REF, relClose } from "./reference.js";

/** Every number in the result is finite (JSON never sees NaN or ±∞, which it would write as null). */
function allFinite(c: PairedComparison): boolean {
  const values = Object.values(c).flatMap((v) => (Array.isArray(v) ? v : [v]));
  return values.every((v) => typeof v !== "number" || Number.isFinite(v));
}

describe("pairedComparison against the scipy reference", () => {
  for (const [name, r] of Object.entries(REF.pairs))
    it(`${name}: t-test, randomization, effect size and power figures`, () => {
      const c = pairedComparison(r.base, r.variant, { seed: 7 });
      expect(c.queries).toBe(r.base.length);
      expect(relClose(c.pTTest, r.ttest.p)).toBe(true);
      if (r.permutation.exact)
        expect(Math.abs((c.pRandomization as number) - r.permutation.p)).toBeLessThan(1e-12);
      const power = r.power as NonNullable<typeof r.power>;
      expect(relClose(c.effectSize, power.effectSize, 1e-12)).toBe(true);
      expect(relClose(c.mde, power.mde, 1e-12)).toBe(true);
      expect(c.queriesFor001).toBe(power.queriesFor001);
      const d = r.variant.map((v, i) => v - r.base[i]);
      expect(c.delta).toBeCloseTo(d.reduce((a, b) => a + b, 0) / d.length, 14);
      expect([c.wins, c.ties, c.losses]).toEqual([
        d.filter((x) => x > 0).length,
        d.filter((x) => x === 0).length,
        d.filter((x) => x < 0).length,
      ]);
      expect(c.harmRate).toBe(c.losses / c.queries);
      expect(c.ciMethod).toBe("BCa");
      expect(allFinite(c)).toBe(true);
    });

  it("hand-checked figures: n = 4, d = (0.1, 0.2, 0, −0.1)", () => {
    const c = pairedComparison([0.5, 0.5, 0.5, 0.5], [0.6, 0.7, 0.5, 0.4], { seed: 1 });
    expect(c).toMatchObject({
      queries: 4,
      wins: 2,
      ties: 1,
      losses: 1,
      harmRate: 0.25,
      randomization: "exact",
    });
    expect(c.delta).toBeCloseTo(0.05, 15);
    // sd = √(((0.05)² + (0.15)² + (0.05)² + (0.15)²)/3) = √(0.05/3)
    const sd = Math.sqrt(0.05 / 3);
    expect(c.effectSize).toBeCloseTo(0.05 / sd, 12);
    // z_0.975 + z_0.8 (scipy ndtri) = 2.8016
    expect(c.mde).toBeCloseTo(((1.959963984540054 + 0.8416212335729143) * sd) / 2, 12);
    // |T| ≥ 0.2 for the sign patterns of (0.1, 0.2, 0, −0.1): 12 of 16 (the 0 doubles every count)
    expect(c.pRandomization).toBe(12 / 16);
  });
});

describe("degenerate input", () => {
  const none = {
    delta: null,
    ci95: null,
    pRandomization: null,
    pTTest: null,
    effectSize: null,
    harmRate: null,
  };
  it("no queries: counts 0, every figure null", () => {
    expect(pairedComparison([], [], { seed: 1 })).toMatchObject({
      queries: 0,
      wins: 0,
      ties: 0,
      losses: 0,
      ...none,
    });
  });

  it("one query: delta and an exact p of 1 (a single query cannot reject), no interval, no t-test", () => {
    const c = pairedComparison([0.2], [0.5], { seed: 1 });
    expect(c).toMatchObject({ queries: 1, wins: 1, pRandomization: 1, ci95: null, pTTest: null, mde: null });
    expect(c.delta).toBeCloseTo(0.3, 15);
    expect(c.effectSize).toBeNull();
  });

  it("every difference 0: delta 0, both p = 1, effect size 0, interval [0, 0], no power figures", () => {
    for (const n of [5, 40]) {
      const xs = Array.from({ length: n }, (_, i) => (i % 7) / 7);
      const c = pairedComparison(xs, xs, { seed: 1, resamples: 100, permutations: 100 });
      expect(c).toMatchObject({
        delta: 0,
        ci95: [0, 0],
        pRandomization: 1,
        pTTest: 1,
        effectSize: 0,
        ties: n,
      });
      expect(c).toMatchObject({ mde: null, queriesFor001: null, significant: false, harmRate: 0 });
    }
  });

  it("every query moved by the same amount: t-test p = 0 (as scipy), effect size null (unbounded)", () => {
    const c = pairedComparison([0, 0.25, 0.5, 0.75], [0.25, 0.5, 0.75, 1], { seed: 1 });
    expect(c).toMatchObject({ delta: 0.25, ci95: [0.25, 0.25], pTTest: 0, effectSize: null, mde: null });
    expect(c.pRandomization).toBe(2 / 16);
  });

  it("refuses misaligned vectors, non-finite scores and bad options", () => {
    expect(() => pairedComparison([1, 2], [1], { seed: 1 })).toThrow(/not aligned/);
    expect(() => pairedComparison([1, Number.NaN], [1, 2], { seed: 1 })).toThrow(/query 1/);
    expect(() => pairedComparison([1], [1], { seed: -1 })).toThrow(RangeError);
    expect(() => pairedComparison([1], [1], { seed: 1.5 })).toThrow(RangeError);
    expect(() => pairedComparison([1], [1], { seed: 1, resamples: 0 })).toThrow(RangeError);
    expect(() => pairedComparison([1], [1], { seed: 1, alpha: 1 })).toThrow(RangeError);
  });
});

describe("determinism", () => {
  const r = REF.pairs.n50;
  it("the same inputs and seed give byte-identical JSON; another seed moves only the resampled figures", () => {
    const a = JSON.stringify(pairedComparison(r.base, r.variant, { seed: 11 }));
    expect(JSON.stringify(pairedComparison(r.base, r.variant, { seed: 11 }))).toBe(a);
    const b = pairedComparison(r.base, r.variant, { seed: 12 });
    expect(JSON.stringify(b)).not.toBe(a);
    expect(b.pTTest).toBe(JSON.parse(a).pTTest);
  });

  it("a pair compared among others gets the figures it gets alone", () => {
    const scores = {
      x: REF.pairs.n50.base,
      y: REF.pairs.n50.variant,
      z: REF.pairs.n50.base.map((v) => v / 2),
    };
    const many = pairedComparisons(
      scores,
      [
        ["z", "x"],
        ["x", "y"],
        ["y", "z"],
      ],
      { seed: 5, resamples: 2000, permutations: 2000 },
    );
    const alone = pairedComparison(scores.x, scores.y, { seed: 5, resamples: 2000, permutations: 2000 });
    const { base, variant, ...figures } = many[1];
    expect([base, variant]).toEqual(["x", "y"]);
    expect(figures).toEqual(alone);
  });
});

describe("properties", () => {
  // Values on a 1/64 grid: sums and differences are exact in binary floating point, so shifting
  // both systems by a constant must leave every figure bit-identical.
  const score = fc.integer({ min: 0, max: 64 }).map((k) => k / 64);
  const pairs = fc
    .integer({ min: 2, max: 40 })
    .chain((n) =>
      fc.tuple(
        fc.array(score, { minLength: n, maxLength: n }),
        fc.array(score, { minLength: n, maxLength: n }),
      ),
    );
  const opts = { seed: 3, resamples: 300, permutations: 300 };

  it("swapping base and variant negates delta and effect size, reflects the interval, keeps the p-values", () => {
    fc.assert(
      fc.property(pairs, ([b, v]) => {
        const c = pairedComparison(b, v, opts);
        const s = pairedComparison(v, b, opts);
        expect(s.delta).toBe(-(c.delta as number) || 0);
        expect(s.pRandomization).toBe(c.pRandomization);
        expect(s.pTTest).toBe(c.pTTest);
        expect([s.wins, s.ties, s.losses]).toEqual([c.losses, c.ties, c.wins]);
        if (c.effectSize !== null) expect(s.effectSize).toBeCloseTo(-c.effectSize, 12);
        const [lo, hi] = c.ci95 as [number, number];
        const [slo, shi] = s.ci95 as [number, number];
        expect(slo).toBeCloseTo(-hi, 9);
        expect(shi).toBeCloseTo(-lo, 9);
      }),
      { numRuns: 60 },
    );
  });

  it("adding the same constant to both systems changes nothing", () => {
    fc.assert(
      fc.property(pairs, fc.integer({ min: -3, max: 3 }), ([b, v], k) => {
        const shifted = pairedComparison(
          b.map((x) => x + k),
          v.map((x) => x + k),
          opts,
        );
        expect(shifted).toEqual(pairedComparison(b, v, opts));
      }),
      { numRuns: 60 },
    );
  });

  it("p-values in [0, 1], the interval ordered, counts add up, every figure finite or null", () => {
    fc.assert(
      fc.property(pairs, ([b, v]) => {
        const c = pairedComparison(b, v, opts);
        for (const p of [c.pRandomization, c.pTTest]) {
          expect(p).toBeGreaterThanOrEqual(0);
          expect(p).toBeLessThanOrEqual(1);
        }
        const [lo, hi] = c.ci95 as [number, number];
        expect(lo).toBeLessThanOrEqual(hi);
        expect(c.wins + c.ties + c.losses).toBe(b.length);
        expect(allFinite(c)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});
