/**
 * The two data types (ranx's Qrels and Run) that the TREC readers produce and every scorer takes:
 * plain maps, so any stage can build them without a reader.
 */

/** Query id → (document id → integer grade). */
export type Qrels = Map<string, Map<string, number>>;

/** One query's ranking, in any order: the trec rule (score desc, doc id desc by bytes) is applied inside. */
export interface Ranking {
  docIds: string[];
  scores: ArrayLike<number>;
}

/** Query id → ranking. */
export type Run = Map<string, Ranking>;
