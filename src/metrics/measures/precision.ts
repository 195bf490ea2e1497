import type { JudgedRanking } from "../types.js";

/** P@k = relevant documents within the top k / k, k even when fewer than k were ranked (trec_eval P.k). */
export function precision(q: JudgedRanking, k: number): number {
  return relevantInTop(q, k) / k;
}

/** Number of relevant documents with rank ≤ k (trec_eval num_rel_ret when k = Infinity). */
export function relevantInTop(q: JudgedRanking, k: number): number {
  let hits = 0;
  for (let t = 0; t < q.ranks.length && q.ranks[t] <= k; t++) if (q.grades[t] >= q.level) hits++;
  return hits;
}
