/**
 * Effect size and topic-set size (metrics.md, "Comparing systems"; Sakai, Laboratory Experiments in
 * Information Retrieval, 2018, ch. 5–6), from the per-query differences d_i = variant_i − base_i with
 * sample standard deviation s_d (n − 1):
 *
 *   effect size (Cohen's d_z)   d̄ / s_d
 *   minimum detectable effect   MDE = (z_{1−α/2} + z_{power}) · s_d / √n
 *   queries needed for δ        ⌈((z_{1−α/2} + z_{power}) · s_d / δ)²⌉
 *
 * The normal form, as metrics.md writes it: the large-sample approximation of the two-sided paired
 * t-test's power (z_{0.975} + z_{0.8} = 2.8016). Sakai's "topic set size design" (IRJ 2016) uses the
 * t form, which asks for about z²_{1−α/2}/2 ≈ 2 more queries; at the hundreds of queries a rerank
 * evaluation has the two agree to within that.
 *
 * Degenerate cases: n < 2, no s_d, all null. s_d = 0: the effect size is 0 when every difference is
 * 0 (no effect) and null otherwise (unbounded); MDE and queries needed are null, since a variance of 0
 * gives nothing to plan from.
 */
import { normalQuantile } from "./normal.js";

export function effectSize(delta: number, sd: number | null, allZero: boolean): number | null {
  if (allZero) return 0;
  if (sd === null || sd === 0) return null;
  return delta / sd;
}

function zSum(alpha: number, power: number): number {
  return normalQuantile(1 - alpha / 2) + normalQuantile(power);
}

export function minimumDetectableEffect(
  sd: number | null,
  n: number,
  alpha = 0.05,
  power = 0.8,
): number | null {
  if (sd === null || sd === 0 || n < 2) return null;
  return (zSum(alpha, power) * sd) / Math.sqrt(n);
}

export function queriesNeeded(sd: number | null, effect: number, alpha = 0.05, power = 0.8): number | null {
  if (sd === null || sd === 0) return null;
  return Math.ceil(((zSum(alpha, power) * sd) / effect) ** 2);
}
