import type { JudgedRanking } from "../types.js";

/**
 * nDCG@k = DCG@k / IDCG@k, with DCG@k = Σ_{ranked d, rank(d) ≤ k} gain(d) / log2(rank(d) + 1).
 * Linear gain is the grade (trec_eval); `exp` gain is 2^grade − 1 (Burges). Grades ≤ 0 give no gain.
 * IDCG@k takes every judged grade > 0 of the query, retrieved or not, sorted descending, cut at k.
 * 0 when IDCG is 0 (no positive grade). k = Infinity: no cut-off (trec_eval `ndcg`).
 */
export function ndcg(q: JudgedRanking, k: number, exp = false): number {
  const cut = Math.min(k, q.idealGains.length);
  let ideal = 0;
  for (let i = 0; i < cut; i++) ideal += gain(q.idealGains[i], exp) / Math.log2(i + 2);
  if (ideal === 0) return 0;
  let dcg = 0;
  for (let t = 0; t < q.ranks.length && q.ranks[t] <= k; t++) {
    if (q.grades[t] > 0) dcg += gain(q.grades[t], exp) / Math.log2(q.ranks[t] + 1);
  }
  return dcg / ideal;
}

function gain(grade: number, exp: boolean): number {
  return exp ? 2 ** grade - 1 : grade;
}
