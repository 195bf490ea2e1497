import { describe, expect, it } from "vitest";
import { pairedTTest } from "../../../src/metrics/index.js";
import { REF, relClose } from "./reference.js";

describe("paired t-test (two-sided) against scipy.stats.ttest_rel", () => {
  for (const [name, r] of Object.entries(REF.pairs))
    it(`${name}: t and p equal to 1e-12 (relative)`, () => {
      const d = r.variant.map((v, i) => v - r.base[i]);
      const t = pairedTTest(d);
      expect(t.df).toBe(r.ttest.df);
      expect(relClose(t.t, r.ttest.t), `t ${t.t} vs ${r.ttest.t}`).toBe(true);
      expect(relClose(t.p, r.ttest.p), `p ${t.p} vs ${r.ttest.p}`).toBe(true);
    });

  it("degenerate input: no test below 2 queries; all differences 0 → p = 1; constant ≠ 0 → p = 0", () => {
    expect(pairedTTest([])).toEqual({ t: null, df: 0, p: null });
    expect(pairedTTest([0.3])).toEqual({ t: null, df: 0, p: null });
    // scipy: NaN (0/0); here 1, the answer of the randomization test and of common sense.
    expect(pairedTTest([0, 0, 0])).toEqual({ t: null, df: 2, p: 1 });
    // scipy: t = inf, p = 0.
    expect(pairedTTest([0.5, 0.5, 0.5])).toEqual({ t: null, df: 2, p: 0 });
  });

  it("hand-checked: d = (1, 2, 3): t = 2/(1/√3) = 2√3, df 2", () => {
    const t = pairedTTest([1, 2, 3]);
    expect(t.t).toBeCloseTo(2 * Math.sqrt(3), 14);
    // two-sided p of t = 3.4641 with 2 df: 2·(1 − F) = 1 − t/√(t² + 2) for df 2 (closed form)
    const tv = 2 * Math.sqrt(3);
    expect(t.p).toBeCloseTo(1 - tv / Math.sqrt(tv * tv + 2), 14);
  });
});
