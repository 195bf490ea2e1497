/** Plain data types of the metric kernels and the evaluator (Qrels, Ranking and Run are src/trec's). */

export type MeasureKind = "nDCG" | "RR" | "AP" | "R" | "P" | "Success" | "Judged" | "NumRel" | "NumRelRet";

/** A parsed measure. `name` is the canonical (ir_measures) spelling used in every output. */
export interface Measure {
  name: string;
  kind: MeasureKind;
  /** Cut-off; absent means the whole ranking. */
  k?: number;
  /** Relevance level for this measure only (`AP(rel=2)`); absent means the evaluation's level. */
  rel?: number;
  /** Gain for nDCG: linear (the grade, as trec_eval) or exponential 2^g − 1 (named apart). */
  gain?: "linear" | "exp";
  /** How queries combine: the mean, or the sum for counts (trec_eval's `all` row for num_rel). */
  aggregate: "mean" | "sum";
  /** Set when the measure was asked for by its trec_eval name: that name as trec_eval prints it (`ndcg_cut_10`). */
  trecName?: string;
}

/**
 * One query prepared for the kernels: everything a measure needs is the ranks of the judged
 * documents that were retrieved, the ranking length and the ideal gains.
 */
export interface JudgedRanking {
  /** Length of the ranking (retrieved documents). */
  n: number;
  /** 1-based ranks of the retrieved judged documents, ascending. */
  ranks: Int32Array;
  /** Grades aligned with `ranks`. */
  grades: Int32Array;
  /** Every judged grade > 0 of the query (retrieved or not), descending. */
  idealGains: Float64Array;
  /** Judged documents with grade >= `level`. */
  numRel: number;
  /** The relevance level `numRel` was counted at. */
  level: number;
}

export interface EvaluateOptions {
  /** trec_eval -c: a judged query without ranking counts, every measure 0. Default true. */
  complete?: boolean;
  /** Relevant means grade >= this (trec_eval -l). Default 1. */
  relevanceLevel?: number;
  /** Score only each ranking's top N documents in trec order (trec_eval -M). Default: all. */
  maxDocs?: number;
}

export interface EvaluationResult {
  /** Canonical names, in the requested order. */
  measures: string[];
  /** Number of counted queries. */
  queries: number;
  mean: Record<string, number>;
  /** Every counted query → measure → value. */
  perQuery: Record<string, Record<string, number>>;
  /** Judged queries that had no ranking (counted at 0 only under `complete`). */
  judgedWithoutRanking: string[];
  /** Ranked queries that have no judgements: ignored. */
  rankedWithoutJudgements: number;
  /** Counted queries with no relevant document at the evaluation's relevance level. */
  noRelevant: number;
}
