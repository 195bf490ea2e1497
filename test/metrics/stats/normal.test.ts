import { describe, expect, it } from "vitest";
import { normalCdf, normalQuantile } from "../../../src/metrics/index.js";
import { REF } from "./reference.js";

describe("standard normal (Marsaglia's Φ, Wichura's AS 241 Φ⁻¹) against scipy's ndtr / ndtri", () => {
  it("Φ to 1e-14 absolute (what interval levels need)", () => {
    for (const [x, p] of REF.normal.cdf) expect(Math.abs(normalCdf(x) - p)).toBeLessThan(1e-14);
  });

  it("Φ⁻¹ to 1e-15 relative, ±∞ at 0 and 1, NaN outside", () => {
    for (const [p, z] of REF.normal.quantile)
      expect(Math.abs(normalQuantile(p) - z)).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(z)));
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(normalQuantile(1)).toBe(Number.POSITIVE_INFINITY);
    expect(normalQuantile(1.5)).toBeNaN();
    expect(normalCdf(Number.NaN)).toBeNaN();
  });

  it("Φ(Φ⁻¹(p)) = p", () => {
    for (let p = 0.001; p < 1; p += 0.0137) expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 14);
  });
});
