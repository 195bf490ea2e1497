/**
 * The rerank phase: every (variant, query) task through ONE p-limit limiter shared by all variants
 * (so -j bounds the requests in flight to the provider, whatever the number of variants), an
 * optional shared pace (--rps), and one results.jsonl line per finished task.
 */
import pLimit from "p-limit";
import { ApiError } from "../errors.js";
import type { Reranker, RerankResult } from "../rerank/types.js";
import { RequestPacer } from "./pacer.js";
import type { Plan, PlannedQuery, Variant } from "./plan.js";
import { tasksOf } from "./plan.js";
import type { Progress } from "./progress.js";
import type { ResultRecord, ResultsWriter } from "./results.js";

export interface ExecuteInput {
  plan: Plan;
  /** One reranker per model name. */
  rerankers: Map<string, Reranker>;
  concurrency: number;
  rps?: number;
  writer: ResultsWriter;
  progress?: Progress;
}

export interface ExecuteOutcome {
  records: ResultRecord[];
  /** Wall time from the first request to the last answer, seconds (0 when no request was made). */
  rerankSeconds: number;
  /** CPU time of this process over the phase (user + system), seconds: the client's own cost. */
  cpuSeconds: number;
}

export async function executePlan(input: ExecuteInput): Promise<ExecuteOutcome> {
  const { plan, rerankers, writer, progress } = input;
  const origin = performance.now();
  const cpuAtStart = process.cpuUsage();
  const limit = pLimit(input.concurrency);
  const pacer = input.rps ? new RequestPacer(input.rps) : undefined;
  const records: ResultRecord[] = [];
  let firstStart = Number.POSITIVE_INFINITY;
  let lastEnd = Number.NEGATIVE_INFINITY;
  let fatal: unknown;

  const keep = (record: ResultRecord) => {
    records.push(record);
    writer.append(record);
  };
  // Progress counts API tasks only (its total); first-stage records are kept without a tick.
  const finish = (record: ResultRecord) => {
    keep(record);
    progress?.tick(record.error !== undefined);
  };

  /**
   * One API call as a record: an ApiError is the query's fate (recorded); anything else is thrown.
   * Each record is one object literal of one shape (no spreads): at 1,000 calls/s this runs in the
   * burst of answers, ahead of the next requests.
   */
  const call = async (variant: Variant, query: PlannedQuery, reranker: Reranker): Promise<ResultRecord> => {
    const startedAt = new Date().toISOString();
    const start = performance.now();
    if (start < firstStart) firstStart = start;
    let result: RerankResult | undefined;
    let failure: ApiError | undefined;
    try {
      result = await reranker.rerank(query.text, query.documents, variant.topN ? { topN: variant.topN } : {});
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      failure = err;
    }
    const end = performance.now();
    if (end > lastEnd) lastEnd = end;
    const finishedAt = new Date().toISOString();
    if (result !== undefined) {
      const { items } = result;
      const ranking = new Array<[string, number]>(items.length);
      for (let i = 0; i < items.length; i++) ranking[i] = [query.docIds[items[i].index], items[i].score];
      return {
        variant: variant.id,
        qid: query.qid,
        candidates: query.docIds.length,
        startedAt,
        ranking,
        attemptLatenciesMs: result.attemptLatenciesMs,
        latencyMs: result.latencyMs,
        attempts: result.attempts,
        requests: result.requests,
        usage: result.usage,
        scoreKind: result.scoreKind,
        notes: result.notes,
        error: undefined,
        finishedAt,
        startMs: start - origin,
        endMs: end - origin,
      };
    }
    const err = failure as ApiError;
    return {
      variant: variant.id,
      qid: query.qid,
      candidates: query.docIds.length,
      startedAt,
      ranking: [],
      attemptLatenciesMs: err.attemptLatenciesMs,
      latencyMs: end - start,
      attempts: err.attempts,
      requests: 1,
      usage: undefined,
      scoreKind: undefined,
      notes: [],
      error: {
        kind: err.kind,
        ...(err.status !== undefined ? { status: err.status } : {}),
        message: err.message,
      },
      finishedAt,
      startMs: start - origin,
      endMs: end - origin,
    };
  };

  // Anything but an API failure (a full disk, a missing key, a bug) stops the run: the first such
  // error is kept, tasks still queued return at once, and the error is thrown once the requests in
  // flight are done. (p-limit's clearQueue would leave the queued promises pending forever.)
  const runTask = async (variant: Variant, query: PlannedQuery, reranker: Reranker) => {
    if (fatal !== undefined) return;
    try {
      if (pacer) await pacer.take();
      if (fatal !== undefined) return;
      finish(await call(variant, query, reranker));
    } catch (err) {
      fatal ??= err;
    }
  };

  const pending: Promise<void>[] = [];
  for (const { variant, query } of tasksOf(plan)) {
    if (fatal !== undefined) break;
    if (variant.kind === "first-stage") {
      try {
        keep(firstStageRecord(variant, query, performance.now() - origin));
      } catch (err) {
        fatal ??= err;
      }
      continue;
    }
    const reranker = variant.model ? rerankers.get(variant.model.name) : undefined;
    if (!reranker) {
      fatal ??= new Error(`no reranker for variant ${variant.id}`);
      break;
    }
    pending.push(limit(() => runTask(variant, query, reranker)));
  }
  await Promise.all(pending);
  if (fatal !== undefined) throw fatal;
  // The last turn's lines are on disk before the phase is over (a late write failure fails the run).
  writer.flush();
  const rerankSeconds = lastEnd > firstStart ? (lastEnd - firstStart) / 1000 : 0;
  const cpu = process.cpuUsage(cpuAtStart);
  return { records, rerankSeconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** The candidate order as a ranking (scores n, n-1, …, 1 reproduce that order under the trec rule). */
function firstStageRecord(variant: Variant, query: PlannedQuery, atMs: number): ResultRecord {
  const n = query.docIds.length;
  const now = new Date().toISOString();
  return {
    variant: variant.id,
    qid: query.qid,
    ranking: query.docIds.map((id, i) => [id, n - i]),
    candidates: n,
    attemptLatenciesMs: [],
    latencyMs: 0,
    attempts: 0,
    requests: 0,
    notes: [],
    startedAt: now,
    finishedAt: now,
    startMs: atMs,
    endMs: atMs,
  };
}
