import type { JudgedRanking } from "../types.js";

/** RR@k = 1 / rank of the first relevant document if it is within the top k, else 0 (trec_eval -M k). */
export function reciprocalRank(q: JudgedRanking, k: number): number {
  for (let t = 0; t < q.ranks.length && q.ranks[t] <= k; t++) {
    if (q.grades[t] >= q.level) return 1 / q.ranks[t];
  }
  return 0;
}
