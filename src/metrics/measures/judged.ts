import type { JudgedRanking } from "../types.js";

/**
 * Judged@k = judged documents within the top k / min(k, n): the share of what was shown that has a
 * label at all, whatever its grade. 0 for an empty ranking.
 */
export function judgedShare(q: JudgedRanking, k: number): number {
  const shown = Math.min(k, q.n);
  if (shown === 0) return 0;
  let judged = 0;
  for (let t = 0; t < q.ranks.length && q.ranks[t] <= k; t++) judged++;
  return judged / shown;
}
