/** Latency statistics (metrics.md, "Latency"): exact percentiles over every sample, the k6 rule. */

export interface LatencySummary {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  count: number;
}

/**
 * The p-quantile (p in [0, 1]) of samples sorted ascending: linear interpolation between the two
 * samples around index p·(n − 1) (k6, numpy's default "linear"). NaN for no samples.
 */
export function percentile(sortedSamples: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`percentile: p must be in [0, 1], got ${p}`);
  const n = sortedSamples.length;
  if (n === 0) return Number.NaN;
  const at = p * (n - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  const a = sortedSamples[lo];
  return lo === hi ? a : a + (sortedSamples[hi] - a) * (at - lo);
}

/**
 * p50, p90, p95, p99, max and mean of the samples (any order; not modified). With no samples every
 * figure is 0 and count is 0, so reports stay plain numbers: read `count` before the figures.
 */
export function summarizeLatency(samples: ArrayLike<number>): LatencySummary {
  const n = samples.length;
  if (n === 0) return { p50: 0, p90: 0, p95: 0, p99: 0, max: 0, mean: 0, count: 0 };
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  return {
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    max: sorted[n - 1],
    mean: sum / n,
    count: n,
  };
}
