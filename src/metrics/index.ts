/** Ranking measures (trec_eval-exact, metrics.md) and latency statistics: pure functions, no I/O. */
export { RunEvaluator, scoreRun } from "./evaluate.js";
export { type BlockSource, evaluateBlocks } from "./evaluate-blocks.js";
export { formatTrecValue } from "./format.js";
export {
  emptyJudgedRanking,
  type Judgements,
  judgeRanking,
  prepareJudgements,
} from "./judged-ranking.js";
export { type LatencySummary, percentile, summarizeLatency } from "./latency.js";
export { KNOWN_MEASURES, measureValue, parseMeasure, parseMeasures } from "./measures.js";
export {
  type ByteJudgements,
  blockTrecOrder,
  byteJudgements,
  duplicateTable,
  findDuplicate,
  hashIdBytes,
  judgeBlock,
  type LocatedRunBlock,
  type RunBlock,
  RunBlockBuilder,
} from "./run-block.js";
export { compareIdBytes, compareTrec, sortTrec, tiesInTopK, trecOrder } from "./trec-order.js";
export type {
  EvaluateOptions,
  EvaluationResult,
  JudgedRanking,
  Measure,
  MeasureKind,
  Qrels,
  Ranking,
  Run,
} from "./types.js";
