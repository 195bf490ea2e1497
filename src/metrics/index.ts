/** Ranking measures (trec_eval-exact, metrics.md) and latency statistics: pure functions, no I/O. */

// The TREC data types and the trec order live in the neutral src/trec (the readers need them too);
// re-exported so that the metrics' surface is what it was. From the files, not trec/index.js, which
// also re-exports the line reader: its declarations name Buffer and node:stream, and the public
// types (report/types.ts imports this file) must compile without @types/node.
export { compareIdBytes, compareTrec, sortTrec, tiesInTopK, trecOrder } from "../trec/order.js";
export {
  blockTrecOrder,
  duplicateTable,
  findDuplicate,
  hashIdBytes,
  type LocatedRunBlock,
  type RunBlock,
  RunBlockBuilder,
} from "../trec/run-block.js";
export type { Qrels, Ranking, Run } from "../trec/types.js";
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
export { inTrecEvalOrder, KNOWN_MEASURES, measureValue, parseMeasure, parseMeasures } from "./measures.js";
export { type ByteJudgements, byteJudgements, judgeBlock } from "./run-block.js";
export * from "./stats/index.js";
export type {
  EvaluateOptions,
  EvaluationResult,
  JudgedRanking,
  Measure,
  MeasureKind,
} from "./types.js";
