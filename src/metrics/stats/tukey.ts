/**
 * Randomized Tukey HSD over k variants and n queries (Carterette, TOIS 2012; Sakai, Laboratory
 * Experiments in Information Retrieval, 2018, §4.4): a multiple-comparison test of every pair at
 * once that needs no normality. Under H₀ (all variants exchangeable on each query) each query's row
 * of k scores may be permuted freely; per permutation sample b, with m_v the variant means,
 *
 *   R_b = max_v m_v − min_v m_v    (the largest pairwise difference among the permuted means)
 *   p(u, v) = (#{b : R_b ≥ |m_v − m_u| − tol} + 1) / (B + 1)
 *
 * so a pair differs at α when its observed difference is beyond the (1 − α) quantile of R, as
 * metrics.md puts it. Comparing every pair with the distribution of the *largest* difference is what
 * controls the family-wise error over all k(k − 1)/2 pairs. The +1 counts the observed arrangement as
 * one of the samples (as the randomization test does); "reached" uses the same 1e-12 tolerance, on
 * the sums (n · means). A pair is significant when p ≤ α.
 * The permutations are drawn in row-permutations.ts.
 */
import { mean } from "simple-statistics";
import { type Parallel, type Pending, rangeDistributionAside } from "./aside.js";
import { toColumns } from "./compare.js";
import { compactLetters } from "./letters.js";
import { REACH_TOLERANCE } from "./randomization.js";
import { checkSeed, STREAM } from "./rng.js";

export interface TukeyOptions {
  seed: number;
  /** permutation samples (default 10,000) */
  permutations?: number;
  /** family-wise level of `significant` and of the letters (default 0.05) */
  alpha?: number;
  /** where the permutations run: a second core when the work is large ("auto", default); see aside.ts */
  parallel?: Parallel;
}

export interface TukeyPair {
  a: string;
  b: string;
  /** mean(b) − mean(a) */
  delta: number;
  p: number;
  significant: boolean;
}

export interface TukeyResult {
  method: "randomized Tukey HSD";
  permutations: number;
  alpha: number;
  queries: number;
  means: Record<string, number>;
  /** every pair (a before b in the input order) */
  pairs: TukeyPair[];
  /** compact letter display: variants sharing a letter are not distinguishable at alpha; best = "a" */
  letters: Record<string, string>;
}

/**
 * Randomized Tukey HSD of the variants in `scores` (aligned per-query vectors of one measure, at
 * least 1 query each), with a compact letter display (letters.ts).
 */
export function tukeyHSD(scores: Record<string, readonly number[]>, opts: TukeyOptions): TukeyResult {
  return startTukeyHSD(scores, opts).join();
}

/**
 * tukeyHSD, begun: its inputs are checked now and its permutations start on a second core when they
 * are worth one (aside.ts); `join()` gives the result. A report starts it, computes its bootstrap and
 * sign flips meanwhile, then joins. Same figures as tukeyHSD, wherever they ran.
 */
export function startTukeyHSD(
  scores: Record<string, readonly number[]>,
  opts: TukeyOptions,
): Pending<TukeyResult> {
  checkSeed(opts.seed);
  const permutations = opts.permutations ?? 10_000;
  const alpha = opts.alpha ?? 0.05;
  if (!Number.isInteger(permutations) || permutations < 1)
    throw new RangeError(`permutations must be a positive integer, got ${permutations}`);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  const ids = Object.keys(scores);
  const columns = toColumns(scores, ids);
  const k = ids.length;
  const n = k ? columns[0].length : 0;
  if (n === 0) throw new RangeError("tukeyHSD: no queries");

  // Query-major copy: a row is one query's k scores, the unit that is permuted.
  const x = new Float64Array(n * k);
  const total = new Float64Array(k);
  for (let v = 0; v < k; v++)
    for (let i = 0; i < n; i++) {
      x[i * k + v] = columns[v][i];
      total[v] += columns[v][i];
    }
  const means = ids.map((id) => mean(scores[id] as number[]));
  const aside =
    k >= 2
      ? rangeDistributionAside(x, n, k, permutations, opts.seed, STREAM.tukey, opts.parallel)
      : undefined;
  return {
    join: () =>
      finish(ids, means, total, aside ? aside.join().sort() : new Float64Array(0), permutations, alpha, n),
  };
}

function finish(
  ids: string[],
  means: number[],
  total: Float64Array,
  ranges: Float64Array,
  permutations: number,
  alpha: number,
  n: number,
): TukeyResult {
  const k = ids.length;

  const pOf = (u: number, v: number) => {
    const threshold = Math.abs(total[v] - total[u]) - REACH_TOLERANCE;
    // ranges is sorted: count those ≥ threshold by binary search for the first one.
    let lo = 0;
    let hi = ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ranges[mid] >= threshold) hi = mid;
      else lo = mid + 1;
    }
    return (ranges.length - lo + 1) / (permutations + 1);
  };
  const pairs: TukeyPair[] = [];
  const p = new Map<string, number>();
  for (let u = 0; u < k; u++)
    for (let v = u + 1; v < k; v++) {
      const pv = pOf(u, v);
      p.set(`${u},${v}`, pv);
      pairs.push({ a: ids[u], b: ids[v], delta: means[v] - means[u], p: pv, significant: pv <= alpha });
    }

  // Letters: best mean first (ties in input order).
  const rank = ids.map((_, v) => v).sort((a, b) => means[b] - means[a] || a - b);
  const differ = (i: number, j: number) => {
    const [u, v] = rank[i] < rank[j] ? [rank[i], rank[j]] : [rank[j], rank[i]];
    return (p.get(`${u},${v}`) as number) <= alpha;
  };
  return {
    method: "randomized Tukey HSD",
    permutations,
    alpha,
    queries: n,
    means: Object.fromEntries(ids.map((id, v) => [id, means[v]])),
    pairs,
    letters: compactLetters(
      rank.map((v) => ids[v]),
      differ,
    ),
  };
}
