/**
 * The public library API: load labelled sets, rerank through any dialect, score exactly as
 * trec_eval does, run whole evaluations and render their reports.
 */

export {
  DEFAULT_CSV_COLUMNS,
  detectFormat,
  docIdFromText,
  loadEvalSet,
  queryIdFromText,
} from "./datasets/index.js";

// Datasets
export type * from "./datasets/types.js";
export * from "./errors.js";
export type {
  EvaluateOptions,
  EvaluationResult,
  LatencySummary,
  Measure,
} from "./metrics/index.js";

// Metrics
export {
  compareTrec,
  formatTrecValue,
  KNOWN_MEASURES,
  parseMeasures,
  percentile,
  scoreRun,
  sortTrec,
  summarizeLatency,
  tiesInTopK,
} from "./metrics/index.js";
export type { CompareOptions, CompareResult } from "./report/compare.js";
export { compareReports } from "./report/compare.js";
export { renderMarkdown } from "./report/markdown.js";
export { buildReport } from "./report/model.js";
export { parseReport, readReport } from "./report/read.js";
export type { RebuildOptions, RebuildOutcome } from "./report/rebuild.js";
export { rebuildReport } from "./report/rebuild.js";
export type { Renderer, RenderInput } from "./report/renderers.js";
export { RENDERERS } from "./report/renderers.js";
export { REPORT_SCHEMA_VERSION, ReportSchema } from "./report/schema.js";
export type { Report, ReportVariant, ScoreInput } from "./report/types.js";
export { createReranker, DEFAULT_PROVIDER } from "./rerank/client.js";
export { dialects, getDialect } from "./rerank/dialects/index.js";
export { KNOWN_ANSWER } from "./rerank/known-answer.js";
export { DEFAULT_QWEN3_INSTRUCTION, qwen3Document, qwen3Query } from "./rerank/qwen3.js";
// Rerank client
export type * from "./rerank/types.js";
// The run folder
export type { Manifest, ManifestVariant, RecordRanking, ResultRecord } from "./results/index.js";
export {
  collateRecords,
  ManifestSchema,
  rankingOfPairs,
  rankingPairs,
  readManifest,
  readResults,
  recordLine,
  taskKey,
} from "./results/index.js";
export type { ModelSpec, RunConfig, RunFlags, RunOptions } from "./run/config.js";
export { loadRunConfig, resolveRunOptions } from "./run/config.js";
export type { RunIo, RunOutcome } from "./run/index.js";
// Runs and reports
export { runEvaluation } from "./run/index.js";
export type { ProgressStream } from "./run/progress.js";
export type { RunningServer, ServerOptions } from "./server/index.js";
// Embedded reference server
export { MODELS, startServer } from "./server/index.js";
// From the files, not trec/index.js: that one also re-exports the line reader, whose declarations
// name Buffer and node:stream, and would make every consumer need @types/node.
export { readQrels } from "./trec/qrels.js";
export { rankedCandidates, readRun } from "./trec/run.js";
export type { Qrels, Ranking, Run } from "./trec/types.js";
export { VERSION } from "./version.js";
