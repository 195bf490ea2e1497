import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { percentile, summarizeLatency } from "../../src/metrics/index.js";

describe("latency statistics (k6 rule: linear interpolation at p·(n − 1))", () => {
  it("hand-checked percentiles", () => {
    // sorted 10 20 30 40: p50 at index 1.5 → 25; p90 at 2.7 → 30 + 0.7·10 = 37; p99 at 2.97 → 39.7
    const s = summarizeLatency([40, 10, 30, 20]);
    expect(s.p50).toBe(25);
    expect(s.p90).toBeCloseTo(37, 12);
    expect(s.p95).toBeCloseTo(38.5, 12);
    expect(s.p99).toBeCloseTo(39.7, 12);
    expect(s).toMatchObject({ max: 40, mean: 25, count: 4 });
    expect(percentile([5], 0.99)).toBe(5);
    expect(percentile([1, 2, 3], 0)).toBe(1);
    expect(percentile([1, 2, 3], 1)).toBe(3);
  });

  it("no samples: every figure 0 and count 0 (percentile alone: NaN)", () => {
    expect(summarizeLatency([])).toEqual({ p50: 0, p90: 0, p95: 0, p99: 0, max: 0, mean: 0, count: 0 });
    expect(percentile([], 0.5)).toBeNaN();
    expect(() => percentile([1], 1.5)).toThrow(RangeError);
  });

  it("does not modify its input and sorts numerically (not as strings)", () => {
    const samples = [100, 9, 20];
    expect(summarizeLatency(samples).p50).toBe(20);
    expect(samples).toEqual([100, 9, 20]);
  });

  it("percentiles are monotone in p and lie between min and max", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1 }), (xs) => {
        const s = summarizeLatency(xs);
        const min = Math.min(...xs);
        expect(s.p50).toBeGreaterThanOrEqual(min);
        expect(s.p50).toBeLessThanOrEqual(s.p90);
        expect(s.p90).toBeLessThanOrEqual(s.p95);
        expect(s.p95).toBeLessThanOrEqual(s.p99);
        expect(s.p99).toBeLessThanOrEqual(s.max);
        expect(s.max).toBe(Math.max(...xs));
      }),
    );
  });
});
