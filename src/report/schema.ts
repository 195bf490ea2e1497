/**
 * report.json, schema version 2, as a zod schema: the one definition of the report's shape. The
 * types the code uses are inferred from it, and a report.json read back (`compare`, `report DIR`)
 * is checked against it field by field. Timing fields are the only ones that vary between equal
 * runs. Version 1 files are read through the migration in read.ts.
 */
import { z } from "zod";
import { CandidatesInfoSchema, DatasetInfoSchema, RunConfigRecordSchema } from "../results/manifest.js";

export const REPORT_SCHEMA_VERSION = 2;

const count = z.number().int().min(0);

export const LatencySummarySchema = z.object({
  p50: z.number(),
  p90: z.number(),
  p95: z.number(),
  p99: z.number(),
  max: z.number(),
  mean: z.number(),
  count,
});

/** One client note code with how many queries had it, and each wording with its own count. */
const NoteCountSchema = z.object({ queries: count, details: z.record(z.string(), count) });

export const ReportVariantSchema = z.object({
  id: z.string(),
  kind: z.enum(["rerank", "first-stage"]),
  /** The model id sent to the API (null for first-stage). */
  model: z.string().nullable(),
  /** The configured display name. */
  name: z.string(),
  provider: z.string().nullable(),
  /** The endpoint as configured ("embedded" for the in-process server), without credentials. */
  endpoint: z.string().nullable(),
  topN: z.number().int().positive().nullable(),
  /** The candidates the variant sent, when several depths are variants; absent otherwise (and in older reports). */
  depth: z.number().int().positive().optional(),
  /** Per measure: the mean over the evaluated queries and its 95 % bootstrap interval (null for one query). */
  metrics: z.record(
    z.string(),
    z.object({ mean: z.number(), ci95: z.tuple([z.number(), z.number()]).nullable() }),
  ),
  /** measure → qid → value, every evaluated query (failures at 0 under the complete convention). */
  perQuery: z.record(z.string(), z.record(z.string(), z.number())),
  latency: z
    .object({ request: LatencySummarySchema.nullable(), query: LatencySummarySchema.nullable() })
    .nullable(),
  throughput: z
    .object({ wallSeconds: z.number(), queriesPerSecond: z.number(), documentsPerSecond: z.number() })
    .nullable(),
  /** Answers from the response cache: no call made, so left out of latency and throughput (0 in older reports). */
  cached: count.default(0),
  /** byKind keys are "<kind> <status>" (e.g. "http 503"); examples holds the first message of each. */
  failures: z.object({
    count,
    queries: z.array(z.string()),
    byKind: z.record(z.string(), count),
    examples: z.record(z.string(), z.string()),
  }),
  usage: z.record(z.string(), z.number()),
  ties: z.object({ k: z.number().int().positive(), queries: count }),
  calls: z.object({ attempts: count, requests: count, retriedQueries: count }).nullable(),
  /** Client notes by code (clamped, chunked, unsorted, …): queries with each, and their wordings. */
  notes: z.record(z.string(), NoteCountSchema),
  /** From the model's price (null without one): the run's total, per 1,000 answered queries, per +0.01. */
  cost: z
    .object({
      currency: z.string(),
      total: z.number().nullable(),
      per1kQueries: z.number().nullable(),
      perPlus001: z.number().nullable(),
      basis: z.array(z.string()),
    })
    .nullable(),
});

const DiffEntrySchema = z.object({
  rank: z.number().int().positive(),
  docId: z.string(),
  grade: z.number().int().nullable(),
  tag: z.enum(["promoted", "demoted", "new hit", "lost hit", ""]),
});

/** The queries where a variant and the baseline differ most, their top-k lists side by side. */
export const RankingDiffSchema = z.object({
  baseline: z.string(),
  variant: z.string(),
  measure: z.string(),
  k: z.number().int().positive(),
  queries: z.array(
    z.object({
      qid: z.string(),
      delta: z.number(),
      baseline: z.array(DiffEntrySchema),
      variant: z.array(DiffEntrySchema),
    }),
  ),
});

const pValue = z.number().min(0).max(1);

/** One variant against the baseline on one measure, over the queries both evaluated. */
export const ComparisonSchema = z.object({
  baseline: z.string(),
  variant: z.string(),
  measure: z.string(),
  /** Mean of variant − baseline per query. */
  delta: z.number(),
  ci95: z.tuple([z.number(), z.number()]).nullable(),
  pRandomization: pValue.nullable(),
  pTTest: pValue.nullable(),
  /** Holm (or Benjamini–Hochberg) over every comparison of the report. */
  pAdjusted: pValue.nullable(),
  /** delta / SD of the per-query differences; null when they do not vary. */
  effectSize: z.number().nullable(),
  wins: count,
  ties: count,
  losses: count,
  /** Share of the queries where the variant is worse than the baseline. */
  harmRate: z.number().min(0).max(1),
  queries: count,
  /** The smallest difference these queries detect at α 0.05, power 0.8; null when the differences do not vary. */
  mde: z.number().nullable(),
  /** Queries needed to detect a difference of 0.01 at α 0.05, power 0.8. */
  queriesFor001: z.number().nullable(),
  /** pAdjusted < alpha. */
  significant: z.boolean(),
});

export const ReportTimingSchema = z.object({
  /** Wall time from the first request to the last answer. */
  rerankSeconds: z.number(),
  /**
   * CPU (user + system) of the rerank-eval process over that phase: the client's own cost per
   * query is this divided by the queries (an in-process embedded server's work is included).
   * Null when the report was rebuilt from a folder whose run did not record it.
   */
  rerankCpuSeconds: z.number().nullable(),
  /** Wall time of the whole run: loading, reranking, scoring and writing. */
  totalSeconds: z.number(),
  startedAt: z.string(),
  finishedAt: z.string(),
});

/** One open-loop step of `rerank-eval load`: what was offered, what came back, how fast and how good. */
export const LoadStepSchema = z.object({
  /** The variant id of this step's answers in `variants` (its quality metrics, per query). */
  variant: z.string(),
  /** "sweep", or with --find-max-rate the search phase: "exponential" or "bisection". */
  phase: z.enum(["sweep", "exponential", "bisection"]),
  /** Requests per second asked for. */
  offeredRate: z.number(),
  /**
   * Ok answers per second of the recorded requests: over the window, or over the time from its start
   * to the last ok answer when that is longer (a server that queues finishes late).
   */
  achievedRate: z.number(),
  /** Requests scheduled in the recorded window (after warmup): sent + dropped. */
  requests: count,
  /** Not sent: --max-in-flight requests were already waiting (counted, never hidden). */
  dropped: count,
  /** Sent requests that failed (HTTP status, network, deadline); byKind splits them. */
  errors: count,
  /** ms from each request's INTENDED send time to its answer (coordinated omission corrected). */
  latency: z.object({
    p50: z.number(),
    p90: z.number(),
    p95: z.number(),
    p99: z.number(),
    p999: z.number(),
    max: z.number(),
  }),
  /** ms the sender was late: when it took the request up − its intended send time. */
  senderLag: z.object({ p50: z.number(), p99: z.number(), max: z.number() }),
  /**
   * ms a request waited for a free connection once due (--connections: all were busy), over every
   * sent request, and how many waited. Part of the latency; absent in reports made before --connections.
   */
  connectionWait: z.object({ waited: count, p50: z.number(), p99: z.number(), max: z.number() }).optional(),
  /**
   * Percent of the machine's CPU time the host took during the step, warmup included (a virtual
   * machine's steal time, from Linux's /proc/stat): late sends and slow answers that neither side
   * caused. Absent where unknown (not Linux) and in reports made before it was measured.
   */
  cpuStolenPercent: z.number().optional(),
  /** Mean per answer over the step's answers (every answer scored against the labels), by measure. */
  metrics: z.record(z.string(), z.number()),
  /** Recorded window (warmup excluded), seconds. */
  durationSeconds: z.number(),
  warmupSeconds: z.number(),
  errorsByKind: z.record(z.string(), count),
  /** Errors per second of the step (second 0 = the recorded window's start), by kind. */
  errorsOverTime: z.array(z.object({ second: count, byKind: z.record(z.string(), count) })),
  /** The full latency histogram: HdrHistogram compressed base64 (µs), and its non-empty buckets (ms). */
  histogram: z.object({
    encoded: z.string(),
    buckets: z.array(z.object({ upToMs: z.number(), count })),
  }),
  /** Whether the step held the SLO and the error budget (null without --slo). */
  sloMet: z.boolean().nullable(),
});

/** `rerank-eval load`: the open-loop steps (a sweep, or a saturation search), and the SLO verdict. */
export const LoadSectionSchema = z.object({
  arrival: z.enum(["constant", "poisson"]),
  seed: z.number().int(),
  steps: z.array(LoadStepSchema),
  /** The highest offered rate that held the SLO (null when none did, or without --find-max-rate). */
  maxRate: z.number().nullable(),
  slo: z
    .object({
      /** As given, e.g. "p95<500ms". */
      text: z.string(),
      percentile: z.enum(["p50", "p90", "p95", "p99", "p999"]),
      thresholdMs: z.number(),
      maxErrorRate: z.number(),
    })
    .nullable(),
  maxInFlight: count,
  /** Requests on the wire at once (--connections, ≤ maxInFlight); absent in reports made before it. */
  connections: count.optional(),
  /** Where the payloads came from: "dataset" (queries and candidates, cycled) or "synthetic". */
  payload: z.enum(["dataset", "synthetic"]),
});

export const ReportSchema = z.object({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  tool: z.object({ name: z.string(), version: z.string() }),
  createdAt: z.string(),
  dataset: DatasetInfoSchema,
  config: RunConfigRecordSchema,
  conventions: z.object({
    ties: z.string(),
    complete: z.boolean(),
    relevanceLevel: z.number().int(),
    percentiles: z.string(),
    loop: z.string(),
  }),
  measures: z.array(z.string()),
  headline: z.array(z.string()),
  candidates: CandidatesInfoSchema.extend({
    ceiling: z.object({
      measure: z.string(),
      /** Over every evaluated query, as the R@k of the results (0 for a query without relevant documents). */
      mean: z.number(),
      /** Over the queries that have a relevant document: what the candidates hold of what can be found. */
      meanWithRelevant: z.number(),
      relevantInCandidates: count,
      relevantTotal: count,
      queriesWithoutRelevant: count,
    }),
  }),
  timing: ReportTimingSchema,
  throughput: z.object({ queriesPerSecond: z.number(), documentsPerSecond: z.number() }),
  /**
   * The concurrency limit the API tasks started under (adaptive: halved on 429s, grown back after
   * sustained success), from the records, so `report DIR` rebuilds it: its ceiling, its lowest, and
   * every change over the rerank phase. Null when the records do not say (folders of older versions).
   */
  concurrency: z
    .object({
      max: count,
      min: count,
      timeline: z.array(z.object({ atSeconds: z.number(), limit: count })),
    })
    .nullable()
    .default(null),
  failures: z.object({ count, maxFailures: count, exceeded: z.boolean() }),
  /**
   * Null for a run whose every task has a record. Otherwise the run stopped before some tasks
   * (killed, interrupted): they are listed, and count 0 like failures under the complete convention.
   */
  incomplete: z
    .object({ tasks: count, missing: z.array(z.object({ variant: z.string(), qid: z.string() })) })
    .nullable(),
  /** Every variant against the baseline on every headline measure (empty with one variant). */
  comparisons: z.array(ComparisonSchema),
  /** All variants together on the primary measure: variants sharing a letter are not distinguishable. */
  groups: z
    .object({ measure: z.string(), method: z.string(), letters: z.record(z.string(), z.string()) })
    .nullable(),
  /** How sensitive this set of queries is, on the primary measure (the largest MDE of the comparisons). */
  power: z
    .object({ measure: z.string(), mde: z.number().nullable(), queriesFor001: z.number().nullable() })
    .nullable(),
  /** How the statistics were computed, so a reader can reproduce them. */
  significance: z.object({
    alpha: z.number(),
    correction: z.enum(["holm", "bh"]),
    ciMethod: z.string(),
    resamples: z.number().int(),
    permutations: z.number().int(),
    seed: z.number().int(),
  }),
  /** The variant every other is compared with: the first stage when there is one, else the first listed. */
  baseline: z.string().nullable(),
  rankingDiffs: z.array(RankingDiffSchema),
  /** The variants no other beats on quality (the primary measure), p95 latency and cost at once. */
  front: z.object({ measure: z.string(), axes: z.array(z.string()), variants: z.array(z.string()) }),
  /** Queries without a relevant document: how many, whether they were left out, and which. */
  withoutRelevant: z.object({ count, skipped: z.boolean(), queries: z.array(z.string()) }),
  variants: z.array(ReportVariantSchema),
  /**
   * Holes in the judgements (BEIR's hole@k), when the candidates are not the judged pool: Judged@k
   * per variant, the variants below the threshold, and the unjudged (query, document) pairs most
   * rerank variants place in their top 3. Absent for the judged pool and in older reports.
   */
  holes: z
    .object({
      k: z.number().int().positive(),
      judged: z.record(z.string(), z.number()),
      below: z.array(z.string()),
      threshold: z.number(),
      top: z.number().int().positive(),
      unjudged: z.array(z.object({ qid: z.string(), query: z.string(), docId: z.string(), variants: count })),
    })
    .optional(),
  warnings: z.array(z.string()),
  /** Only in reports of `rerank-eval load` (absent from run reports): the open-loop steps and SLO search. */
  load: LoadSectionSchema.optional(),
});

export type Report = z.infer<typeof ReportSchema>;
export type ReportVariant = z.infer<typeof ReportVariantSchema>;
export type ReportTiming = z.infer<typeof ReportTimingSchema>;
export type LoadSection = z.infer<typeof LoadSectionSchema>;
export type LoadStep = z.infer<typeof LoadStepSchema>;
