import type { JudgedRanking } from "../types.js";
import { relevantInTop } from "./precision.js";

/** R@k = relevant documents within the top k / R (all relevant judged documents). 0 when R = 0. */
export function recall(q: JudgedRanking, k: number): number {
  return q.numRel === 0 ? 0 : relevantInTop(q, k) / q.numRel;
}
