import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { adjustPValues } from "../../../src/metrics/index.js";
import { REF } from "./reference.js";

describe("adjustPValues (Holm step-down, Benjamini–Hochberg step-up)", () => {
  it("equal to the reference (R's p.adjust formulas) on a vector with ties", () => {
    const holm = adjustPValues(REF.adjust.p, "holm");
    const bh = adjustPValues(REF.adjust.p, "bh");
    for (let i = 0; i < REF.adjust.p.length; i++) {
      expect(Math.abs(holm[i] - REF.adjust.holm[i])).toBeLessThanOrEqual(1e-15);
      expect(Math.abs(bh[i] - REF.adjust.bh[i])).toBeLessThanOrEqual(1e-15);
    }
  });

  it("hand-checked: Holm of (0.01, 0.04, 0.03) = (0.03, 0.06, 0.06); BH = (0.03, 0.04, 0.04)", () => {
    const h = adjustPValues([0.01, 0.04, 0.03], "holm");
    expect(h[0]).toBeCloseTo(0.03, 15);
    expect(h[1]).toBeCloseTo(0.06, 15);
    expect(h[2]).toBeCloseTo(0.06, 15);
    const b = adjustPValues([0.01, 0.04, 0.03], "bh");
    expect(b[0]).toBeCloseTo(0.03, 15);
    expect(b[1]).toBeCloseTo(0.04, 15);
    expect(b[2]).toBeCloseTo(0.04, 15);
    expect(adjustPValues([], "holm")).toEqual([]);
    expect(adjustPValues([0.2], "bh")).toEqual([0.2]);
  });

  it("refuses p outside [0, 1] and unknown methods", () => {
    expect(() => adjustPValues([0.1, Number.NaN], "holm")).toThrow(/p\[1\]/);
    expect(() => adjustPValues([1.2], "bh")).toThrow(RangeError);
    expect(() => adjustPValues([0.1], "bonferroni" as "holm")).toThrow(/unknown method/);
  });

  it("never below the raw p, capped at 1, monotone in the raw p; BH ≤ Holm", () => {
    const p = fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 0.01, 0.05, 1));
    fc.assert(
      fc.property(fc.array(p, { maxLength: 30 }), (ps) => {
        const holm = adjustPValues(ps, "holm");
        const bh = adjustPValues(ps, "bh");
        for (let i = 0; i < ps.length; i++) {
          for (const adj of [holm, bh]) {
            expect(adj[i]).toBeGreaterThanOrEqual(ps[i]);
            expect(adj[i]).toBeLessThanOrEqual(1);
          }
          expect(bh[i]).toBeLessThanOrEqual(holm[i]);
          for (let j = 0; j < ps.length; j++)
            if (ps[i] <= ps[j]) {
              expect(holm[i]).toBeLessThanOrEqual(holm[j]);
              expect(bh[i]).toBeLessThanOrEqual(bh[j]);
            }
        }
      }),
    );
  });
});
