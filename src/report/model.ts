/**
 * The score stage: a report (report.json, schema 2) as a pure function of a run's manifest, its
 * records and the judgements, so a report is rebuilt from the folder alone (`report DIR`) exactly
 * as the run built it. Per-query metric vectors are kept so significance tests need no raw
 * results later.
 */

import { UsageError } from "../errors.js";
import type { LatencySummary, Qrels } from "../metrics/index.js";
import { RunEvaluator, summarizeLatency, tiesInTopK } from "../metrics/index.js";
import { rerankWindowSeconds } from "../results/collate.js";
import type { Manifest, ManifestVariant } from "../results/manifest.js";
import type { ResultRecord } from "../results/record.js";
import { costPerPlus001, type FrontPoint, front, variantCost } from "./cost.js";
import { rankingDiff } from "./diffs.js";
import { holesOf, holeWarning } from "./holes.js";
import { REPORT_SCHEMA_VERSION } from "./schema.js";
import { type Lost, type SignificanceOptions, significance } from "./significance.js";
import type { Report, ReportVariant, ScoreInput } from "./types.js";

/** Default measures for the cut-offs k: nDCG@k, RR@10, AP, R@k, P@k, Success@k. */
export function defaultMeasures(ks: number[]): string[] {
  return [
    ...ks.map((k) => `nDCG@${k}`),
    "RR@10",
    "AP",
    ...ks.map((k) => `R@${k}`),
    ...ks.map((k) => `P@${k}`),
    ...ks.map((k) => `Success@${k}`),
  ];
}

/** The columns of the headline table: nDCG at every k, RR@10, AP and R at the largest k. */
export function headlineMeasures(measures: string[], ks: number[], explicit: boolean): string[] {
  if (explicit) return measures.slice(0, 7);
  const kmax = Math.max(...ks);
  const wanted = [...ks.map((k) => `nDCG@${k}`), "RR@10", "AP", `R@${kmax}`];
  return wanted.filter((m) => measures.includes(m));
}

export function buildReport(input: ScoreInput): Report {
  const { manifest, measures } = input;
  const complete = manifest.scoring.complete;
  const qids = manifest.queries.map((q) => q.qid);
  // Only the planned (possibly sampled) queries count: the qrels are cut to them.
  const qrels: Qrels = new Map();
  for (const qid of qids) qrels.set(qid, input.qrels.get(qid) ?? new Map());
  const { byVariant, missing, unplanned } = input.collated;

  const tieK = Math.max(...input.ks);
  const variants: ReportVariant[] = manifest.variants.map((variant) => {
    const recs = byVariant.get(variant.id) ?? [];
    const base = {
      ...variantIdentity(variant),
      ...rankingFigures(recs, qids, qrels, measures, complete, tieK),
      failures: failureFigures(recs),
    };
    if (variant.kind === "first-stage") {
      return {
        ...base,
        latency: null,
        throughput: null,
        cached: 0,
        usage: {},
        calls: null,
        notes: {},
        cost: null,
      };
    }
    return { ...base, ...callFigures(recs), cost: variantCost(variant.price, recs) };
  });

  const baseline = baselineOf(manifest, input.baseline);
  const primary = primaryMeasure(measures, input.ks, input.headline);
  const lost: Lost = new Map(variants.map((v) => [v.id, new Set(v.failures.queries)]));
  for (const t of missing) lost.get(t.variant)?.add(t.qid);
  const sig = significance(
    variants,
    baseline,
    { headline: [...new Set([...input.headline, primary])], primary },
    qids,
    lost,
    { ...SIGNIFICANCE, correction: manifest.scoring.correction },
  );
  priceQuality(variants, baseline, primary);
  const byId = new Map(variants.map((v) => [v.id, v]));
  const rerankRecords = manifest.variants
    .filter((v) => v.kind === "rerank")
    .flatMap((v) => byVariant.get(v.id) ?? []);
  // Answers from the response cache were not timed: throughput is over the calls made, in their own window.
  const timed = rerankRecords.filter((r) => !r.cached);
  const rerankSeconds =
    timed.length < rerankRecords.length ? rerankWindowSeconds(timed) : input.timing.rerankSeconds;
  const totalFailures = variants.reduce((n, v) => n + v.failures.count, 0);
  const maxFailures = manifest.scoring.maxFailures;
  const holes = holesOf(manifest, byVariant, qrels);
  const warnings = [
    ...manifest.warnings,
    ...input.warnings,
    ...(holes?.below.map((id) => holeWarning(id, holes.judged[id], holes.k)) ?? []),
  ];
  if (unplanned)
    warnings.push(`${unplanned} records in results.jsonl name tasks the manifest does not plan (left out)`);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: "rerank-eval", version: input.toolVersion },
    createdAt: input.timing.finishedAt,
    dataset: manifest.dataset,
    config: manifest.config,
    conventions: {
      ties: "score descending, ties by document id descending in byte order (trec_eval)",
      complete,
      relevanceLevel: 1,
      percentiles: "exact over all samples, linear interpolation at p·(n−1) (the k6 rule)",
      loop: `closed loop at concurrency ${manifest.config.concurrency}: latencies are service times under that load`,
    },
    measures,
    headline: input.headline,
    candidates: {
      ...manifest.candidates,
      ceiling: candidateCeiling(
        qrels,
        manifest.queries.map((q) => ({ qid: q.qid, docIds: q.candidates })),
      ),
    },
    timing: { ...input.timing },
    throughput: {
      queriesPerSecond: rerankSeconds > 0 ? timed.length / rerankSeconds : 0,
      documentsPerSecond: rerankSeconds > 0 ? sum(timed.map((r) => r.candidates)) / rerankSeconds : 0,
    },
    concurrency: concurrencyOf(rerankRecords),
    failures: { count: totalFailures, maxFailures, exceeded: totalFailures > maxFailures },
    withoutRelevant: { count: manifest.withoutRelevant.queries.length, ...manifest.withoutRelevant },
    baseline,
    comparisons: sig.comparisons,
    groups: sig.groups,
    power: sig.power,
    significance: {
      ...SIGNIFICANCE,
      correction: manifest.scoring.correction,
      ciMethod: "BCa paired bootstrap over queries",
    },
    front: { measure: primary, ...front(variants.map((v) => frontPoint(v, primary))) },
    rankingDiffs: baseline
      ? variants
          .filter((v) => v.id !== baseline)
          .map((v) =>
            rankingDiff({
              baseline,
              variant: v.id,
              measure: primary,
              basePerQuery: byId.get(baseline)?.perQuery[primary] ?? {},
              variantPerQuery: v.perQuery[primary] ?? {},
              baseRecords: byVariant.get(baseline) ?? [],
              variantRecords: byVariant.get(v.id) ?? [],
              qrels,
              k: tieK,
              n: DIFF_QUERIES,
            }),
          )
      : [],
    incomplete: missing.length
      ? { tasks: manifest.variants.length * manifest.queries.length, missing }
      : null,
    variants,
    ...(holes ? { holes } : {}),
    warnings,
  };
}

/** The limit each task started under, over time: a point at the start and at every change. */
function concurrencyOf(records: ResultRecord[]): Report["concurrency"] {
  const known = records.filter((r) => Number.isInteger(r.concurrency) && (r.concurrency ?? 0) > 0);
  if (known.length === 0) return null;
  known.sort((a, b) => a.startMs - b.startMs);
  const timeline: { atSeconds: number; limit: number }[] = [];
  let max = 0;
  let min = Number.POSITIVE_INFINITY;
  for (const r of known) {
    const limit = r.concurrency as number;
    if (limit > max) max = limit;
    if (limit < min) min = limit;
    if (timeline.at(-1)?.limit !== limit) timeline.push({ atSeconds: r.startMs / 1000, limit });
  }
  return { max, min, timeline };
}

/** The one measure a variant is judged by first: nDCG at the largest cut-off, else the headline's first. */
export function primaryMeasure(measures: string[], ks: number[], headline: string[]): string {
  const ndcg = `nDCG@${Math.max(...ks)}`;
  return measures.includes(ndcg) ? ndcg : (headline[0] ?? measures[0]);
}

/** Each priced variant's cost of +0.01 of the primary measure over the baseline (the first stage costs nothing). */
function priceQuality(variants: ReportVariant[], baseline: string | null, measure: string): void {
  const base = variants.find((v) => v.id === baseline);
  if (!base) return;
  const basePer1k = base.kind === "first-stage" ? 0 : (base.cost?.per1kQueries ?? null);
  for (const v of variants) {
    if (!v.cost || v === base) continue;
    const delta = (v.metrics[measure]?.mean ?? 0) - (base.metrics[measure]?.mean ?? 0);
    v.cost.perPlus001 = costPerPlus001(v.cost.per1kQueries, basePer1k, delta);
  }
}

/** A variant on the three axes: the first stage answers instantly and for free. */
function frontPoint(v: ReportVariant, measure: string): FrontPoint {
  const free = v.kind === "first-stage";
  return {
    id: v.id,
    quality: v.metrics[measure]?.mean ?? 0,
    p95: free ? 0 : (v.latency?.query?.p95 ?? Number.POSITIVE_INFINITY),
    cost: free ? 0 : (v.cost?.per1kQueries ?? null),
  };
}

/** How every report computes its statistics (fixed seed: the same inputs give the same report). */
const SIGNIFICANCE: SignificanceOptions = {
  alpha: 0.05,
  correction: "holm",
  resamples: 10_000,
  permutations: 10_000,
  seed: 42,
};

/** Queries shown per variant in the ranking diffs: the largest differences from the baseline. */
const DIFF_QUERIES = 5;

/**
 * The variant the others are compared with: asked for, else the first stage (the order the
 * reranker was given), else the first listed. None when there is nothing to compare.
 */
export function baselineOf(manifest: Manifest, asked?: string): string | null {
  const ids = manifest.variants.map((v) => v.id);
  const wanted = asked ?? manifest.scoring.baseline ?? undefined;
  if (wanted !== undefined && !ids.includes(wanted))
    throw new UsageError(`baseline '${wanted}' is not a variant of this run; it has ${ids.join(", ")}`);
  if (ids.length < 2) return null;
  return wanted ?? manifest.variants.find((v) => v.kind === "first-stage")?.id ?? ids[0];
}

function variantIdentity(v: ManifestVariant) {
  return {
    id: v.id,
    kind: v.kind,
    model: v.model,
    name: v.name,
    provider: v.provider,
    endpoint: v.endpoint,
    topN: v.topN,
    ...(v.depth !== undefined ? { depth: v.depth } : {}),
  };
}

/**
 * Means and per-query vectors. The complete convention (default): a judged query without a
 * ranking (a failure, or a task that never ran) counts 0. Without it, such queries leave the mean
 * and the per-query vectors (metrics.md).
 */
function rankingFigures(
  recs: ResultRecord[],
  qids: string[],
  qrels: Qrels,
  measures: string[],
  complete: boolean,
  tieK: number,
) {
  // collateRecords gives one record per (variant, query): each goes to the evaluator as it is.
  const evaluator = new RunEvaluator(qrels, measures, { complete });
  let ties = 0;
  for (const r of recs) {
    if (r.error) continue;
    evaluator.addRanking(r.qid, r.ranking);
    if (tiesInTopK(r.ranking, tieK)) ties++;
  }
  // Read straight into one object per measure: no row object per query on the way.
  const evaluation = evaluator.finish({ perQuery: false });
  const metrics: ReportVariant["metrics"] = {};
  const perQuery: Record<string, Record<string, number>> = {};
  evaluation.measures.forEach((m, index) => {
    metrics[m] = { mean: evaluation.mean[m], ci95: null };
    // Keyed by query id, and any string is a valid id ("__proto__" would not be stored on a plain object).
    const column: Record<string, number> = Object.create(null);
    for (const qid of qids) {
      const x = evaluator.value(qid, index);
      if (x !== undefined || complete) column[qid] = x ?? 0;
    }
    perQuery[m] = column;
  });
  return { metrics, perQuery, ties: { k: tieK, queries: ties } };
}

function failureFigures(recs: ResultRecord[]): ReportVariant["failures"] {
  const failed = recs.filter((r) => r.error);
  const byKind: Record<string, number> = {};
  // The first message of each kind tells the user why (a wrong model name, a missing key) at a glance.
  const examples: Record<string, string> = {};
  for (const r of failed) {
    const key =
      r.error?.status !== undefined ? `${r.error.kind} ${r.error.status}` : (r.error?.kind ?? "unknown");
    byKind[key] = (byKind[key] ?? 0) + 1;
    examples[key] ??= r.error?.message ?? "";
  }
  return { count: failed.length, queries: failed.map((r) => r.qid), byKind, examples };
}

function callFigures(recs: ResultRecord[]) {
  const attempts = recs.flatMap((r) => r.attemptLatenciesMs);
  // Cached answers made no call: left out of latency (they have no attempts) and of throughput.
  const timed = recs.filter((r) => !r.cached);
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const r of timed) {
    first = Math.min(first, r.startMs);
    last = Math.max(last, r.endMs);
  }
  const wallSeconds = timed.length && last > first ? (last - first) / 1000 : 0;
  const usage: Record<string, number> = {};
  const notes: ReportVariant["notes"] = {};
  for (const r of recs) {
    for (const [key, value] of Object.entries(r.usage ?? {})) {
      if (typeof value === "number") usage[key] = (usage[key] ?? 0) + value;
    }
    // A call repeats a note at most once per (code, detail); a query counts once per code.
    const codes = new Set<string>();
    for (const { code, detail } of r.notes) {
      notes[code] ??= { queries: 0, details: {} };
      const entry = notes[code];
      if (!codes.has(code)) entry.queries++;
      codes.add(code);
      entry.details[detail] = (entry.details[detail] ?? 0) + 1;
    }
  }
  return {
    latency: {
      request: latencyOrNull(attempts),
      query: latencyOrNull(recs.filter((r) => r.attempts > 0).map((r) => r.latencyMs)),
    },
    throughput: {
      wallSeconds,
      queriesPerSecond: wallSeconds > 0 ? timed.length / wallSeconds : 0,
      documentsPerSecond: wallSeconds > 0 ? sum(timed.map((r) => r.candidates)) / wallSeconds : 0,
    },
    cached: recs.length - timed.length,
    usage,
    calls: {
      attempts: sum(recs.map((r) => r.attempts)),
      requests: sum(recs.map((r) => r.requests)),
      retriedQueries: recs.filter((r) => r.attempts > r.requests).length,
    },
    notes,
  };
}

function latencyOrNull(samples: number[]): LatencySummary | null {
  return samples.length ? summarizeLatency(samples) : null;
}

/**
 * R@depth of the candidate lists: the share of a query's relevant documents the reranker was given
 * at all, averaged over the counted queries with the R@k convention (0 when a query has none).
 */
export function candidateCeiling(qrels: Qrels, queries: { qid: string; docIds: string[] }[]) {
  let relevantTotal = 0;
  let relevantInCandidates = 0;
  let noRelevant = 0;
  let recallSum = 0;
  for (const q of queries) {
    const grades = qrels.get(q.qid) ?? new Map<string, number>();
    let rel = 0;
    for (const g of grades.values()) if (g >= 1) rel++;
    let found = 0;
    for (const id of new Set(q.docIds)) if ((grades.get(id) ?? 0) >= 1) found++;
    relevantTotal += rel;
    relevantInCandidates += found;
    if (rel === 0) noRelevant++;
    else recallSum += found / rel;
  }
  let depth = 0;
  for (const q of queries) depth = Math.max(depth, q.docIds.length);
  return {
    measure: `R@${depth}`,
    mean: queries.length ? recallSum / queries.length : 0,
    meanWithRelevant: queries.length > noRelevant ? recallSum / (queries.length - noRelevant) : 0,
    relevantInCandidates,
    relevantTotal,
    queriesWithoutRelevant: noRelevant,
  };
}

function sum(xs: number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}
