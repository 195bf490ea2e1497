import type { JudgedRanking } from "../types.js";
import { relevantInTop } from "./precision.js";

/** NumRel = R, the relevant judged documents of the query (trec_eval num_rel; summed over queries). */
export function numRel(q: JudgedRanking): number {
  return q.numRel;
}

/** NumRelRet = relevant documents retrieved anywhere in the ranking (trec_eval num_rel_ret; summed). */
export function numRelRet(q: JudgedRanking): number {
  return relevantInTop(q, Number.POSITIVE_INFINITY);
}
