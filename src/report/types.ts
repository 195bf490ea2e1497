/** The report.json schema (version 1). Timing fields are the only ones that vary between equal runs. */
import type { LatencySummary, Qrels } from "../metrics/index.js";
import type { Plan } from "../run/plan.js";
import type { ResultRecord } from "../run/results.js";

export interface ReportDataset {
  name: string;
  path: string;
  format: string;
  /** sha256 over the input files (the loader's). */
  fingerprint: string;
  /** Queries evaluated (after sampling). */
  queries: number;
  /** Judged (query, document) pairs of the evaluated queries. */
  judged: number;
  /** Documents loaded; loaders keep only the candidates' documents when candidates are known. */
  documents: number;
  judgedQueries: number;
  sample: { size: number; seed: number; of: number } | null;
}

/** The effective configuration, with key variables named but never a key value. */
export interface ReportConfig {
  dataset: Record<string, unknown>;
  models: Record<string, unknown>[];
  topN: number[];
  concurrency: number;
  rps: number | null;
  k: number[];
  measures: string[];
  maxFailures: number;
  sample: number | null;
  seed: number;
  complete: boolean;
}

export interface ReportVariant {
  id: string;
  kind: "rerank" | "first-stage";
  /** The model id sent to the API (null for first-stage). */
  model: string | null;
  /** The configured display name. */
  name: string;
  provider: string | null;
  /** The endpoint as configured ("embedded" for the in-process server), without credentials. */
  endpoint: string | null;
  topN: number | null;
  metrics: Record<string, { mean: number }>;
  /** measure → qid → value, every evaluated query (failures at 0). */
  perQuery: Record<string, Record<string, number>>;
  latency: { request: LatencySummary | null; query: LatencySummary | null } | null;
  throughput: { wallSeconds: number; queriesPerSecond: number; documentsPerSecond: number } | null;
  /** byKind keys are "<kind> <status>" (e.g. "http 503"); examples holds the first message of each. */
  failures: {
    count: number;
    queries: string[];
    byKind: Record<string, number>;
    examples: Record<string, string>;
  };
  usage: Record<string, number>;
  ties: { k: number; queries: number };
  calls: { attempts: number; requests: number; retriedQueries: number } | null;
  /** Client notes (e.g. "top_n clamped 10->8") with how many queries had each. */
  notes: Record<string, number>;
}

export interface Report {
  schemaVersion: 1;
  tool: { name: string; version: string };
  createdAt: string;
  dataset: ReportDataset;
  config: ReportConfig;
  conventions: { ties: string; complete: boolean; relevanceLevel: number; percentiles: string; loop: string };
  measures: string[];
  headline: string[];
  candidates: {
    source: string;
    optimistic: boolean;
    depth: number | null;
    maxCandidates: number;
    missingDocuments: number;
    ceiling: {
      measure: string;
      mean: number;
      relevantInCandidates: number;
      relevantTotal: number;
      queriesWithoutRelevant: number;
    };
  };
  timing: ReportTiming;
  throughput: { queriesPerSecond: number; documentsPerSecond: number };
  failures: { count: number; maxFailures: number; exceeded: boolean };
  variants: ReportVariant[];
  warnings: string[];
}

export interface ReportTiming {
  /** Wall time from the first request to the last answer. */
  rerankSeconds: number;
  /**
   * CPU (user + system) of the rerank-eval process over that phase: the client's own cost per
   * query is this divided by the queries (an in-process embedded server's work is included).
   */
  rerankCpuSeconds: number;
  /** Wall time of the whole run: loading, reranking, scoring and writing. */
  totalSeconds: number;
  startedAt: string;
  finishedAt: string;
}

export interface ReportInput {
  plan: Plan;
  records: ResultRecord[];
  qrels: Qrels;
  measures: string[];
  headline: string[];
  ks: number[];
  /** trec_eval -c: failed queries count 0 (true, the default) or are left out of the means. */
  complete: boolean;
  dataset: ReportDataset;
  config: ReportConfig;
  /** Model name → endpoint as shown in the report. */
  endpoints: Map<string, string>;
  maxFailures: number;
  toolVersion: string;
  timing: ReportTiming;
  warnings: string[];
}
