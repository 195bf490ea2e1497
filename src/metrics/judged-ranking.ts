import { checkLengths, compareIdBytes, compareTrec } from "../trec/order.js";
import type { Ranking } from "../trec/types.js";
import type { JudgedRanking } from "./types.js";

/** One query's judgements, prepared once: ids, grades and the ideal gains the kernels share. */
export interface Judgements {
  ids: string[];
  grades: Int32Array;
  /** doc id → position in `ids`. */
  index: Map<string, number>;
  /** Every grade > 0, descending: the ideal ranking's gains (trec_eval builds IDCG from all judged). */
  idealGains: Float64Array;
}

export function prepareJudgements(judged: Map<string, number>): Judgements {
  const ids = [...judged.keys()];
  const grades = Int32Array.from(judged.values());
  const index = new Map<string, number>();
  for (let i = 0; i < ids.length; i++) index.set(ids[i], i);
  const positive = grades.filter((g) => g > 0).sort();
  const idealGains = Float64Array.from(positive).reverse();
  return { ids, grades, index, idealGains };
}

function countRelevant(grades: Int32Array, level: number): number {
  let c = 0;
  for (let i = 0; i < grades.length; i++) if (grades[i] >= level) c++;
  return c;
}

/** The judged ranking of a query that has no ranking at all (trec_eval -c counts it at 0). */
export function emptyJudgedRanking(j: Judgements, level: number): JudgedRanking {
  return {
    n: 0,
    ranks: new Int32Array(0),
    grades: new Int32Array(0),
    idealGains: j.idealGains,
    numRel: countRelevant(j.grades, level),
    level,
  };
}

/** Above this many retrieved judged documents one sort beats counting ranks doc by doc. */
export const COUNT_PATH_MAX_JUDGED = 16;

/**
 * Builds the judged ranking of `r`. rank(d) = 1 + #documents that sort before d under the trec rule,
 * so with few judged documents retrieved the ranks are counted in O(n·j) without sorting the ranking;
 * a ranking given with strictly falling scores (a reranker's answer, most often) is in trec order
 * already, so its ranks are its positions. `path` forces one method (tests compare them); by
 * default the cheapest one that applies is taken.
 */
export function judgeRanking(
  r: Ranking,
  j: Judgements,
  level: number,
  path?: "count" | "sort" | "ordered",
): JudgedRanking {
  checkLengths(r);
  const { docIds, scores } = r;
  const n = docIds.length;
  const found: number[] = [];
  const foundGrades: number[] = [];
  for (let i = 0; i < n; i++) {
    const at = j.index.get(docIds[i]);
    if (at !== undefined) {
      found.push(i);
      foundGrades.push(j.grades[at]);
    }
  }
  const f = found.length;
  const ranks = new Int32Array(f);
  const ordered = path ? path === "ordered" : strictlyFalling(scores);
  const useCount = !ordered && (path ? path === "count" : f <= COUNT_PATH_MAX_JUDGED);
  if (ordered) {
    for (let t = 0; t < f; t++) ranks[t] = found[t] + 1;
  } else if (useCount) {
    for (let t = 0; t < f; t++) {
      const id = docIds[found[t]];
      const s = scores[found[t]];
      let before = 0;
      for (let i = 0; i < n; i++) {
        const x = scores[i];
        if (x > s || (x === s && compareIdBytes(docIds[i], id) > 0)) before++;
      }
      ranks[t] = before + 1;
    }
  } else {
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => compareTrec(docIds[a], scores[a], docIds[b], scores[b]));
    const rankOf = new Int32Array(n);
    for (let p = 0; p < n; p++) rankOf[order[p]] = p + 1;
    for (let t = 0; t < f; t++) ranks[t] = rankOf[found[t]];
  }
  return assemble(ranks, Int32Array.from(foundGrades), n, j, level);
}

/** Whether every score is below the one before it: no ties, so the given order is the trec order. */
function strictlyFalling(scores: ArrayLike<number>): boolean {
  for (let i = 1; i < scores.length; i++) if (!(scores[i] < scores[i - 1])) return false;
  return true;
}

function ascending(ranks: Int32Array): boolean {
  for (let t = 1; t < ranks.length; t++) if (ranks[t] < ranks[t - 1]) return false;
  return true;
}

/** Orders the (rank, grade) pairs by rank and attaches the query-level figures. */
export function assemble(
  ranks: Int32Array,
  grades: Int32Array,
  n: number,
  j: Judgements,
  level: number,
): JudgedRanking {
  const f = ranks.length;
  let sortedRanks = ranks;
  let sortedGrades = grades;
  // Ranks found in ranking order (a reranker's answer, most often) are in order already.
  if (!ascending(ranks)) {
    const order = Array.from({ length: f }, (_, i) => i).sort((a, b) => ranks[a] - ranks[b]);
    sortedRanks = new Int32Array(f);
    sortedGrades = new Int32Array(f);
    for (let t = 0; t < f; t++) {
      sortedRanks[t] = ranks[order[t]];
      sortedGrades[t] = grades[order[t]];
    }
  }
  return {
    n,
    ranks: sortedRanks,
    grades: sortedGrades,
    idealGains: j.idealGains,
    numRel: countRelevant(j.grades, level),
    level,
  };
}

/**
 * The judged ranking of the top `depth` documents only (trec_eval -M): the ranks are trec ranks, so
 * cutting the ranking first and judging it after gives the same thing.
 */
export function cutJudged(jr: JudgedRanking, depth: number): JudgedRanking {
  if (jr.n <= depth) return jr;
  let kept = 0;
  while (kept < jr.ranks.length && jr.ranks[kept] <= depth) kept++;
  return { ...jr, n: depth, ranks: jr.ranks.subarray(0, kept), grades: jr.grades.subarray(0, kept) };
}

/** The same judged ranking counted at another relevance level (ranks do not depend on it). */
export function atLevel(jr: JudgedRanking, j: Judgements, level: number): JudgedRanking {
  return level === jr.level ? jr : { ...jr, numRel: countRelevant(j.grades, level), level };
}
