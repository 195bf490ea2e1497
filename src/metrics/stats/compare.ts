/**
 * Paired comparison of two systems on the same queries (metrics.md, "Comparing systems"): the mean
 * difference with its paired-bootstrap BCa 95 % interval (bootstrap.ts), the paired randomization
 * test as the primary p-value (randomization.ts; exact for n ≤ 20), the paired t-test as a
 * cross-check (ttest.ts), the effect size and the power figures (power.ts), and win/tie/loss counts.
 * Every figure is a finite number or null (never NaN, never ±∞), so a result serialises to JSON as is.
 *
 * `pairedComparisons` compares many pairs of variants over one query set and draws the resamples and
 * sign patterns once for all of them (they depend only on the seed and the number of queries), so a
 * pair's figures are the same byte for byte whether it is compared alone or among 45 others.
 */
import { mean, sampleStandardDeviation } from "simple-statistics";
import { pairInterval, resampleSums } from "./bootstrap.js";
import { effectSize, minimumDetectableEffect, queriesNeeded } from "./power.js";
import {
  EXACT_MAX_QUERIES,
  exactSignFlipP,
  plusSum,
  sampledSignFlipP,
  signFlipSums,
} from "./randomization.js";
import { checkSeed } from "./rng.js";
import { pairedTTest } from "./ttest.js";

export interface ComparisonOptions {
  /** seed of the resampling (an integer in [0, 2³² − 1]); the same seed gives the same figures */
  seed: number;
  /** bootstrap resamples for the interval (default 10,000) */
  resamples?: number;
  /** random sign patterns for the randomization test (default 10,000); n ≤ 20 enumerates all 2ⁿ */
  permutations?: number;
  /** level of `significant` and of the power figures (default 0.05); the interval stays 95 % */
  alpha?: number;
}

export interface PairedComparison {
  /** n: queries compared (both vectors, aligned) */
  queries: number;
  /** mean of variant − base; null when n = 0 */
  delta: number | null;
  /** paired bootstrap 95 % interval of delta (BCa); null when n < 2 */
  ci95: [number, number] | null;
  /** "BCa", or "percentile" where BCa is undefined; null with ci95 */
  ciMethod: "BCa" | "percentile" | null;
  /** two-sided paired randomization p (the primary p-value); null when n = 0 */
  pRandomization: number | null;
  /** "exact": all 2ⁿ sign patterns (n ≤ 20); "sampled": `permutations` random ones */
  randomization: "exact" | "sampled" | null;
  /** two-sided paired t-test p (scipy's ttest_rel); null when n < 2 */
  pTTest: number | null;
  /** pRandomization ≤ alpha */
  significant: boolean;
  /** Cohen's d_z = delta / sd(differences); 0 when every difference is 0, null when undefined */
  effectSize: number | null;
  /** queries where variant > base, = base, < base */
  wins: number;
  ties: number;
  losses: number;
  /** losses / n: the share of queries the variant makes worse; null when n = 0 */
  harmRate: number | null;
  /** minimum detectable effect at alpha (two-sided) and power 0.8 with these n queries */
  mde: number | null;
  /** queries needed to detect a difference of 0.01 at alpha and power 0.8 */
  queriesFor001: number | null;
}

export interface NamedComparison extends PairedComparison {
  base: string;
  variant: string;
}

const DEFAULTS = { resamples: 10_000, permutations: 10_000, alpha: 0.05 };

function positiveInteger(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  return v;
}

/** Checks the score vectors (same length, finite) and returns them as columns. */
export function toColumns(scores: Record<string, readonly number[]>, ids: readonly string[]): Float64Array[] {
  const n = ids.length ? scores[ids[0]].length : 0;
  return ids.map((id) => {
    const xs = scores[id];
    if (xs.length !== n)
      throw new RangeError(`scores of "${id}" cover ${xs.length} queries, "${ids[0]}" ${n}: not aligned`);
    const col = Float64Array.from(xs);
    const bad = col.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new RangeError(`scores of "${id}": query ${bad} is ${xs[bad]}, not a finite number`);
    return col;
  });
}

/**
 * Compares each [base, variant] pair of `pairs` over the aligned per-query scores (same queries, same
 * order, in every vector). Resamples and sign patterns are shared by all pairs; see the file comment.
 */
export function pairedComparisons(
  scores: Record<string, readonly number[]>,
  pairs: readonly (readonly [base: string, variant: string])[],
  opts: ComparisonOptions,
): NamedComparison[] {
  return comparisonsAndIntervals(scores, pairs, [], opts).comparisons;
}

/**
 * pairedComparisons, plus the 95 % BCa interval of the mean of each column named in `intervalsOf`
 * (a column of `scores`) from the SAME resamples: a report needs both, and resampling is the cost.
 * The intervals equal meanIntervals' for the same seed (the resamples depend only on it and n).
 */
export function comparisonsAndIntervals(
  scores: Record<string, readonly number[]>,
  pairs: readonly (readonly [base: string, variant: string])[],
  intervalsOf: readonly string[],
  opts: ComparisonOptions,
): { comparisons: NamedComparison[]; intervals: Record<string, [number, number] | null> } {
  checkSeed(opts.seed);
  const resamples = positiveInteger("resamples", opts.resamples ?? DEFAULTS.resamples);
  const permutations = positiveInteger("permutations", opts.permutations ?? DEFAULTS.permutations);
  const alpha = opts.alpha ?? DEFAULTS.alpha;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  for (const id of [...pairs.flat(), ...intervalsOf])
    if (!Object.hasOwn(scores, id)) throw new RangeError(`no scores for "${id}"`);

  // Only the variants named in a pair (or for an interval) are resampled, in first-mention order;
  // a column of zeros last, the other side of a mean's own interval.
  const named = [...new Set([...pairs.flat(), ...intervalsOf])];
  const n0 = named.length ? scores[named[0]].length : 0;
  const ZERO = "\u0000zeros";
  const ids = intervalsOf.length ? [...named, ZERO] : named;
  const all = intervalsOf.length ? { ...scores, [ZERO]: new Array<number>(n0).fill(0) } : scores;
  const at = new Map(ids.map((id, i) => [id, i]));
  const columns = toColumns(all, ids);
  const n = columns.length ? columns[0].length : 0;
  const k = ids.length;
  const boot = n >= 2 ? resampleSums(columns, resamples, opts.seed) : null;
  const flips = n > EXACT_MAX_QUERIES ? signFlipSums(columns, permutations, opts.seed) : null;

  const intervals: Record<string, [number, number] | null> = {};
  for (const id of intervalsOf) {
    const j = at.get(id) as number;
    const r = boot ? pairInterval(boot, k, at.get(ZERO) as number, j, columns, columns[j], 0.95) : null;
    intervals[id] = r ? [r.lo, r.hi] : null;
  }
  const comparisons = pairs.map(([base, variant]): NamedComparison => {
    const u = at.get(base) as number;
    const v = at.get(variant) as number;
    const diffs = new Float64Array(n);
    let wins = 0;
    let losses = 0;
    for (let i = 0; i < n; i++) {
      diffs[i] = columns[v][i] - columns[u][i];
      if (columns[v][i] > columns[u][i]) wins++;
      else if (columns[v][i] < columns[u][i]) losses++;
    }
    const d = Array.from(diffs);
    const allZero = wins + losses === 0;
    const delta = n ? mean(d) : null;
    const sd = n >= 2 ? sampleStandardDeviation(d) : null;
    const ci = boot ? pairInterval(boot, k, u, v, columns, diffs, 0.95) : null;
    let pRandomization: number | null = null;
    if (flips) pRandomization = sampledSignFlipP(flips, k, u, v, plusSum(columns[v]) - plusSum(columns[u]));
    else if (n > 0) pRandomization = allZero ? 1 : exactSignFlipP(diffs);
    return {
      base,
      variant,
      queries: n,
      delta,
      ci95: ci ? [ci.lo, ci.hi] : null,
      ciMethod: ci ? ci.method : null,
      pRandomization,
      randomization: n === 0 ? null : flips ? "sampled" : "exact",
      pTTest: pairedTTest(d).p,
      significant: pRandomization !== null && pRandomization <= alpha,
      effectSize: delta === null ? null : effectSize(delta, sd, allZero),
      wins,
      ties: n - wins - losses,
      losses,
      harmRate: n ? losses / n : null,
      mde: minimumDetectableEffect(sd, n, alpha),
      queriesFor001: queriesNeeded(sd, 0.01, alpha),
    };
  });
  return { comparisons, intervals };
}

/**
 * Compares `variant` against `base`, query by query (aligned vectors of per-query values of one
 * measure). The same figures as `pairedComparisons` gives for this pair.
 */
export function pairedComparison(
  base: readonly number[],
  variant: readonly number[],
  opts: ComparisonOptions,
): PairedComparison {
  const {
    base: _b,
    variant: _v,
    ...figures
  } = pairedComparisons({ base, variant }, [["base", "variant"]], opts)[0];
  return figures;
}
