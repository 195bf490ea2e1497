import type { JudgedRanking } from "../types.js";

/**
 * AP@k = Σ_{relevant d, rank(d) ≤ k} (relevant within the top rank(d)) / rank(d), divided by R, the
 * number of relevant judged documents (not min(k, R), as trec_eval's map_cut). 0 when R = 0.
 */
export function averagePrecision(q: JudgedRanking, k: number): number {
  if (q.numRel === 0) return 0;
  let hits = 0;
  let sum = 0;
  for (let t = 0; t < q.ranks.length && q.ranks[t] <= k; t++) {
    if (q.grades[t] >= q.level) {
      hits++;
      sum += hits / q.ranks[t];
    }
  }
  return sum / q.numRel;
}
