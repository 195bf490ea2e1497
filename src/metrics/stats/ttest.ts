/**
 * Paired t-test, two-sided, on the per-query differences d_i = variant_i − base_i:
 *
 *   t = d̄ / (s_d / √n),  s_d² = Σ (d_i − d̄)² / (n − 1),  df = n − 1,  p = 2 · F_t(−|t|; df)
 *
 * F_t is @stdlib's Student t CDF; d̄ and s_d are simple-statistics' mean (compensated sum) and
 * sampleStandardDeviation. Equal to scipy.stats.ttest_rel to ~1e-14 (test/fixtures/stats).
 *
 * Degenerate cases, where scipy returns NaN or ±∞: fewer than 2 queries, no test (null); every
 * difference 0, p = 1 (nothing to detect, the randomization test agrees); s_d = 0 with d̄ ≠ 0
 * (every query moved by the same amount), t = ±∞ and p = 0, as scipy.
 */
import tCdf from "@stdlib/stats-base-dists-t-cdf";
import { mean, sampleStandardDeviation } from "simple-statistics";

export interface TTest {
  /** null when there is no test (n < 2) or t is infinite or undefined */
  t: number | null;
  df: number;
  p: number | null;
}

export function pairedTTest(diffs: number[]): TTest {
  const n = diffs.length;
  if (n < 2) return { t: null, df: Math.max(0, n - 1), p: null };
  const df = n - 1;
  if (diffs.every((d) => d === 0)) return { t: null, df, p: 1 };
  const sd = sampleStandardDeviation(diffs);
  const dbar = mean(diffs);
  if (sd === 0) return { t: null, df, p: 0 };
  const t = dbar / (sd / Math.sqrt(n));
  return { t, df, p: Math.min(1, 2 * tCdf(-Math.abs(t), df)) };
}
