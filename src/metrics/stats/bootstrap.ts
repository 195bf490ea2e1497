/**
 * Paired bootstrap interval of a mean difference, BCa (bias-corrected and accelerated; Efron &
 * Tibshirani 1993, §14.3 and eq. 14.15), computed the way scipy.stats.bootstrap(paired=True,
 * method="BCa") computes it, so that the two agree up to Monte Carlo error:
 *
 *   resample b draws n query indices with replacement; θ*_b = mean over them of (variant − base);
 *   z₀ = Φ⁻¹((#{θ*_b < θ̂} + #{θ*_b ≤ θ̂}) / 2B)                 (mid-rank, as scipy)
 *   a  = Σ U_i³ / (6 (Σ U_i²)^{3/2}),  U_i = d_i − d̄             (jackknife of the mean, closed form)
 *   α₁ = Φ(z₀ + (z₀ + z_{α/2}) / (1 − a (z₀ + z_{α/2}))),  α₂ likewise with z_{1−α/2}
 *   interval = [q(α₁), q(α₂)] of the θ*, q linear between order statistics at p·(B − 1) (numpy's
 *   default "linear", the `percentile` of metrics/latency.ts).
 *
 * BCa rather than the plain percentile interval: per-query differences of IR measures are bounded,
 * often skewed and full of ties at 0, and BCa corrects the percentile interval's bias and skew to
 * second order; it is also scipy's default, so the reference values are the usual ones. Where BCa is
 * undefined (every resample on one side of θ̂, so z₀ = ±∞) the percentile interval [q(α/2),
 * q(1 − α/2)] is returned and `method` says so.
 *
 * Resamples are drawn once for every variant (the same query indices: that is the pairing), and
 * each variant's sum over them is kept: a pair's θ*_b is (sum_v − sum_u)/n, so k variants cost k
 * passes over the data instead of one per pair, and a pair's interval is the same whether it is
 * computed alone or among many.
 */
import { percentile } from "../latency.js";
import { normalCdf, normalQuantile } from "./normal.js";
import { DigitDrawer, STREAM, wordStream } from "./rng.js";

export interface BootstrapInterval {
  lo: number;
  hi: number;
  method: "BCa" | "percentile";
}

/**
 * Sum of each variant's scores over each resample: out[b·k + v] for resample b and variant v
 * (columns[v][i] = score of variant v on query i; all columns of length n ≥ 1).
 *
 * A resample is kept as the number of times it drew each query, and a variant's sum is Σ count_i ·
 * score_i in query order: one pass over the column in memory order (four resamples per pass, four
 * independent additions in flight) rather than n scattered reads; about 25 % faster than gathering.
 */
export function resampleSums(
  columns: readonly Float64Array[],
  resamples: number,
  seed: number,
): Float64Array {
  const k = columns.length;
  const n = columns[0].length;
  const out = new Float64Array(resamples * k);
  const draw = new DigitDrawer(wordStream(seed, STREAM.bootstrap), n);
  const idx = new Int32Array(n);
  const counts = new Float64Array(4 * n);
  for (let b = 0; b < resamples; b += 4) {
    const m = Math.min(4, resamples - b);
    counts.fill(0);
    for (let t = 0; t < m; t++) {
      draw.fill(idx, n);
      const at = t * n;
      for (let i = 0; i < n; i++) counts[at + idx[i]]++;
    }
    for (let v = 0; v < k; v++) {
      const col = columns[v];
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = 0; i < n; i++) {
        const x = col[i];
        s0 += counts[i] * x;
        s1 += counts[n + i] * x;
        s2 += counts[2 * n + i] * x;
        s3 += counts[3 * n + i] * x;
      }
      out[b * k + v] = s0;
      if (m > 1) out[(b + 1) * k + v] = s1;
      if (m > 2) out[(b + 2) * k + v] = s2;
      if (m > 3) out[(b + 3) * k + v] = s3;
    }
  }
  return out;
}

/** Σ col[i] in query order: the sum of the identity resample, added in the same order as above. */
export function columnSum(col: Float64Array): number {
  let s = 0;
  for (let i = 0; i < col.length; i++) s += col[i];
  return s;
}

/**
 * The BCa interval of mean(variant − base) for the pair (u = base, v = variant) from the
 * resample sums of `resampleSums`. `diffs` are the per-query differences (for the acceleration).
 */
export function pairInterval(
  sums: Float64Array,
  k: number,
  u: number,
  v: number,
  columns: readonly Float64Array[],
  diffs: Float64Array,
  confidence: number,
): BootstrapInterval {
  const n = diffs.length;
  const resamples = sums.length / k;
  const thetaHat = (columnSum(columns[v]) - columnSum(columns[u])) / n;
  let constant = true;
  for (let i = 1; i < n && constant; i++) constant = diffs[i] === diffs[0];
  // Every query moved by the same amount: every resample has that mean; no interval to estimate.
  if (constant) return { lo: thetaHat, hi: thetaHat, method: "BCa" };
  const theta = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) theta[b] = (sums[b * k + v] - sums[b * k + u]) / n;
  theta.sort();
  return bcaFromSorted(theta, thetaHat, diffs, confidence);
}

/** BCa (or, where it is undefined, percentile) interval from the sorted bootstrap distribution. */
export function bcaFromSorted(
  sorted: Float64Array,
  thetaHat: number,
  diffs: Float64Array,
  confidence: number,
): BootstrapInterval {
  const B = sorted.length;
  const alpha = (1 - confidence) / 2;
  let below = 0;
  while (below < B && sorted[below] < thetaHat) below++;
  let atOrBelow = below;
  while (atOrBelow < B && sorted[atOrBelow] <= thetaHat) atOrBelow++;
  const z0 = normalQuantile((below + atOrBelow) / (2 * B));

  const n = diffs.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += diffs[i];
  mean /= n;
  let s2 = 0;
  let s3 = 0;
  for (let i = 0; i < n; i++) {
    const u = diffs[i] - mean;
    s2 += u * u;
    s3 += u * u * u;
  }
  const a = s3 / (6 * s2 ** 1.5);

  const zLo = normalQuantile(alpha);
  const zHi = -zLo;
  const a1 = normalCdf(z0 + (z0 + zLo) / (1 - a * (z0 + zLo)));
  const a2 = normalCdf(z0 + (z0 + zHi) / (1 - a * (z0 + zHi)));
  if (Number.isFinite(z0) && Number.isFinite(a) && !Number.isNaN(a1) && !Number.isNaN(a2))
    return { lo: percentile(sorted, a1), hi: percentile(sorted, a2), method: "BCa" };
  return { lo: percentile(sorted, alpha), hi: percentile(sorted, 1 - alpha), method: "percentile" };
}

/**
 * The paired bootstrap interval of mean(variant − base) on its own (n ≥ 2): what
 * `pairedComparison` reports as ci95, for callers and tests that want only the interval.
 */
export function bootstrapInterval(
  base: ArrayLike<number>,
  variant: ArrayLike<number>,
  opts: { seed: number; resamples?: number; confidence?: number },
): BootstrapInterval {
  const n = base.length;
  if (variant.length !== n) throw new RangeError("bootstrapInterval: base and variant differ in length");
  if (n < 2) throw new RangeError("bootstrapInterval: needs at least 2 queries");
  const columns = [Float64Array.from(base), Float64Array.from(variant)];
  const diffs = new Float64Array(n);
  for (let i = 0; i < n; i++) diffs[i] = columns[1][i] - columns[0][i];
  const sums = resampleSums(columns, opts.resamples ?? 10_000, opts.seed);
  return pairInterval(sums, 2, 0, 1, columns, diffs, opts.confidence ?? 0.95);
}

/**
 * Each system's own 95 % interval of its mean, BCa over the same resamples of the queries for all
 * of them (drawn once: a report's intervals cost one pass, not one per system). The interval of a
 * mean is the paired interval against a column of zeros. Null with fewer than 2 queries.
 */
export function meanIntervals(
  scores: Record<string, readonly number[]>,
  opts: { seed: number; resamples?: number; confidence?: number },
): Record<string, [number, number] | null> {
  const ids = Object.keys(scores);
  const n = ids.length ? scores[ids[0]].length : 0;
  if (n < 2) return Object.fromEntries(ids.map((id) => [id, null]));
  const columns = [new Float64Array(n), ...ids.map((id) => Float64Array.from(scores[id]))];
  const sums = resampleSums(columns, opts.resamples ?? 10_000, opts.seed);
  return Object.fromEntries(
    ids.map((id, j) => {
      const r = pairInterval(
        sums,
        columns.length,
        0,
        j + 1,
        columns,
        columns[j + 1],
        opts.confidence ?? 0.95,
      );
      return [id, [r.lo, r.hi]];
    }),
  );
}
