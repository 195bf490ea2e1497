/**
 * The public library API: load labelled sets, rerank through any dialect, score exactly as
 * trec_eval does, run whole evaluations and render their reports.
 */
export * from "./errors.js";
export { VERSION } from "./version.js";

// Datasets
export type * from "./datasets/types.js";
export {
  DEFAULT_CSV_COLUMNS,
  detectFormat,
  docIdFromText,
  loadEvalSet,
  queryIdFromText,
} from "./datasets/index.js";
export { rankedCandidates, readQrels, readRun } from "./datasets/trec.js";

// Metrics
export {
  compareTrec,
  evaluateRun,
  formatTrecValue,
  KNOWN_MEASURES,
  parseMeasures,
  percentile,
  sortTrec,
  summarizeLatency,
  tiesInTopK,
} from "./metrics/index.js";
export type {
  EvaluateOptions,
  EvaluationResult,
  LatencySummary,
  Measure,
  Qrels,
  Ranking,
  Run,
} from "./metrics/index.js";

// Rerank client
export type * from "./rerank/types.js";
export { createReranker, DEFAULT_PROVIDER } from "./rerank/client.js";
export { dialects, getDialect } from "./rerank/providers/index.js";
export { KNOWN_ANSWER } from "./rerank/known-answer.js";
export { DEFAULT_QWEN3_INSTRUCTION, qwen3Document, qwen3Query } from "./rerank/qwen3.js";

// Embedded reference server
export { MODELS, startServer } from "./server/index.js";
export type { RunningServer, ServerOptions } from "./server/index.js";

// Runs and reports
export { runEvaluation } from "./run/index.js";
export type { RunIo, RunOutcome } from "./run/index.js";
export { loadRunConfig, resolveRunOptions } from "./run/config.js";
export type { ModelSpec, RunFlags, RunOptions } from "./run/config.js";
export { readResults } from "./run/results.js";
export type { ResultRecord } from "./run/results.js";
export { buildReport, SCHEMA_VERSION } from "./report/model.js";
export { renderMarkdown } from "./report/markdown.js";
export type { Report, ReportVariant } from "./report/types.js";
