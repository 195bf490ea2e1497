/**
 * The report model (report.json, schemaVersion 1): a pure function of the plan and the results
 * records, so a report can be rebuilt from results.jsonl alone (resume, `score`, `compare`).
 * Per-query metric vectors are kept so significance tests need no raw results later.
 */
import type { LatencySummary, Qrels, Run } from "../metrics/index.js";
import { scoreRun, summarizeLatency, tiesInTopK } from "../metrics/index.js";
import type { Plan } from "../run/plan.js";
import type { ResultRecord } from "../run/results.js";
import type { Report, ReportInput, ReportVariant } from "./types.js";

export const SCHEMA_VERSION = 1;

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

export function buildReport(input: ReportInput): Report {
  const { plan, records, measures } = input;
  const qids = plan.queries.map((q) => q.qid);
  // Only the planned (possibly sampled) queries count: the qrels are cut to them.
  const qrels: Qrels = new Map();
  for (const qid of qids) qrels.set(qid, input.qrels.get(qid) ?? new Map());
  const byVariant = recordsByVariant(plan, records);

  const tieK = Math.max(...input.ks);
  const variants: ReportVariant[] = plan.variants.map((variant) => {
    const recs = byVariant.get(variant.id) ?? [];
    const run: Run = new Map();
    let ties = 0;
    for (const r of recs) {
      if (r.error) continue;
      const ranking = { docIds: r.ranking.map((x) => x[0]), scores: r.ranking.map((x) => x[1]) };
      run.set(r.qid, ranking);
      if (tiesInTopK(ranking, tieK)) ties++;
    }
    // The complete convention (default): a judged query without a ranking (a failure) counts 0.
    // Without it, failed queries leave the mean and the per-query vectors (metrics.md).
    const evaluation = scoreRun(qrels, run, measures, { complete: input.complete });
    const metrics: Record<string, { mean: number }> = {};
    const perQuery: Record<string, Record<string, number>> = {};
    for (const m of evaluation.measures) {
      metrics[m] = { mean: evaluation.mean[m] };
      // Keyed by query id, and any string is a valid id ("__proto__" would not be stored on a plain object).
      const column: Record<string, number> = Object.create(null);
      for (const qid of qids) {
        const x = evaluation.perQuery[qid]?.[m];
        if (x !== undefined || input.complete) column[qid] = x ?? 0;
      }
      perQuery[m] = column;
    }
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
    const model = variant.model;
    const base = {
      id: variant.id,
      kind: variant.kind,
      model: model?.model ?? null,
      name: model?.name ?? variant.id,
      provider: model?.provider ?? null,
      endpoint: model ? (input.endpoints.get(model.name) ?? null) : null,
      topN: variant.topN ?? null,
      metrics,
      perQuery,
      failures: { count: failed.length, queries: failed.map((r) => r.qid), byKind, examples },
      ties: { k: tieK, queries: ties },
    };
    if (variant.kind === "first-stage") {
      return { ...base, latency: null, throughput: null, usage: {}, calls: null, notes: {} };
    }
    return { ...base, ...callFigures(recs) };
  });

  const rerankIds = new Set(plan.variants.filter((v) => v.kind === "rerank").map((v) => v.id));
  const rerankRecords = records.filter((r) => rerankIds.has(r.variant));
  const rerankSeconds = input.timing.rerankSeconds;
  const totalFailures = variants.reduce((n, v) => n + v.failures.count, 0);
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: "rerank-eval", version: input.toolVersion },
    createdAt: input.timing.finishedAt,
    dataset: input.dataset,
    config: input.config,
    conventions: {
      ties: "score descending, ties by document id descending in byte order (trec_eval)",
      complete: input.complete,
      relevanceLevel: 1,
      percentiles: "exact over all samples, linear interpolation at p·(n−1) (the k6 rule)",
      loop: `closed loop at concurrency ${input.config.concurrency}: latencies are service times under that load`,
    },
    measures,
    headline: input.headline,
    candidates: {
      source: plan.candidatesSource,
      optimistic: plan.optimistic,
      depth: plan.depth ?? null,
      maxCandidates: plan.maxCandidates,
      missingDocuments: plan.missingDocuments,
      ceiling: candidateCeiling(qrels, plan.queries),
    },
    timing: { ...input.timing },
    throughput: {
      queriesPerSecond: rerankSeconds > 0 ? rerankRecords.length / rerankSeconds : 0,
      documentsPerSecond: rerankSeconds > 0 ? sum(rerankRecords.map((r) => r.candidates)) / rerankSeconds : 0,
    },
    failures: {
      count: totalFailures,
      maxFailures: input.maxFailures,
      exceeded: totalFailures > input.maxFailures,
    },
    variants,
    warnings: input.warnings,
  };
}

/**
 * Each planned variant's records in plan order, not completion order, so failure lists, note counts
 * and run files never depend on timing. Records of a variant the plan does not have are left out.
 */
export function recordsByVariant(plan: Plan, records: ResultRecord[]): Map<string, ResultRecord[]> {
  const byVariant = new Map<string, ResultRecord[]>();
  for (const v of plan.variants) byVariant.set(v.id, []);
  for (const r of records) byVariant.get(r.variant)?.push(r);
  const position = new Map(plan.queries.map((q, i) => [q.qid, i]));
  for (const list of byVariant.values())
    list.sort((a, b) => (position.get(a.qid) ?? 0) - (position.get(b.qid) ?? 0));
  return byVariant;
}

function callFigures(recs: ResultRecord[]) {
  const attempts = recs.flatMap((r) => r.attemptLatenciesMs);
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const r of recs) {
    first = Math.min(first, r.startMs);
    last = Math.max(last, r.endMs);
  }
  const wallSeconds = recs.length && last > first ? (last - first) / 1000 : 0;
  const usage: Record<string, number> = {};
  const notes: Record<string, number> = {};
  for (const r of recs) {
    for (const [key, value] of Object.entries(r.usage ?? {})) {
      if (typeof value === "number") usage[key] = (usage[key] ?? 0) + value;
    }
    for (const note of r.notes) notes[note] = (notes[note] ?? 0) + 1;
  }
  return {
    latency: {
      request: latencyOrNull(attempts),
      query: latencyOrNull(recs.filter((r) => r.attempts > 0).map((r) => r.latencyMs)),
    },
    throughput: {
      wallSeconds,
      queriesPerSecond: wallSeconds > 0 ? recs.length / wallSeconds : 0,
      documentsPerSecond: wallSeconds > 0 ? sum(recs.map((r) => r.candidates)) / wallSeconds : 0,
    },
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
