import type { JudgedRanking } from "../types.js";

/** Success@k = 1 if any relevant document is within the top k, else 0. */
export function success(q: JudgedRanking, k: number): number {
  for (let t = 0; t < q.ranks.length && q.ranks[t] <= k; t++) if (q.grades[t] >= q.level) return 1;
  return 0;
}
