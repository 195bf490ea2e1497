/**
 * The execute stage: tasks in, records out. Every rerank task goes through ONE p-limit limiter
 * shared by all variants (so -j bounds the requests in flight to the provider, whatever the number
 * of variants), an optional shared pace (--rps), and each finished task's record goes to the sink
 * (results.jsonl) at once. Tasks whose keys are in `done` are skipped: resume and shards pass them.
 */
import pLimit from "p-limit";
import { ApiError } from "../errors.js";
import type { Reranker, RerankResult } from "../rerank/types.js";
import { firstStageRecord } from "../results/collate.js";
import type { ResultRecord } from "../results/record.js";
import { RequestPacer } from "./pacer.js";
import type { Task } from "./plan.js";
import type { Progress } from "./progress.js";

export interface ExecuteInput {
  tasks: Iterable<Task>;
  /** Keys (taskKey) of tasks already done: not run again. */
  done?: ReadonlySet<string>;
  /** One reranker per model name. */
  rerankers: Map<string, Reranker>;
  concurrency: number;
  rps?: number;
  /** Receives each record the moment its task finishes (the results writer). */
  sink: (record: ResultRecord) => void;
  progress?: Progress;
}

export interface ExecuteOutcome {
  records: ResultRecord[];
  /** CPU time of this process over the phase (user + system), seconds: the client's own cost. */
  cpuSeconds: number;
}

/** What became of one task: an answer, an API failure (the query's fate), or no call at all. */
type Outcome =
  | { result: RerankResult; start: number; end: number; startedAt: string }
  | { failure: ApiError; start: number; end: number; startedAt: string };

export async function executeTasks(input: ExecuteInput): Promise<ExecuteOutcome> {
  const { rerankers, sink, progress, done } = input;
  const origin = performance.now();
  const cpuAtStart = process.cpuUsage();
  const limit = pLimit(input.concurrency);
  const pacer = input.rps ? new RequestPacer(input.rps) : undefined;
  const records: ResultRecord[] = [];
  let fatal: unknown;

  const keep = (record: ResultRecord) => {
    records.push(record);
    sink(record);
  };

  const call = async (task: Task, reranker: Reranker): Promise<Outcome> => {
    const startedAt = new Date().toISOString();
    const start = performance.now();
    const { query, variant } = task;
    try {
      const options = variant.topN ? { topN: variant.topN } : {};
      const result = await reranker.rerank(query.text, query.documents, options);
      return { result, start, end: performance.now(), startedAt };
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      return { failure: err, start, end: performance.now(), startedAt };
    }
  };

  // Anything but an API failure (a full disk, a missing key, a bug) stops the run: the first such
  // error is kept, tasks still queued return at once, and the error is thrown once the requests in
  // flight are done. (p-limit's clearQueue would leave the queued promises pending forever.)
  const runTask = async (task: Task, reranker: Reranker) => {
    if (fatal !== undefined) return;
    try {
      if (pacer) await pacer.take();
      if (fatal !== undefined) return;
      const record = recordOf(task, await call(task, reranker), origin);
      keep(record);
      progress?.tick(record.error !== undefined);
    } catch (err) {
      fatal ??= err;
    }
  };

  const pending: Promise<void>[] = [];
  for (const task of input.tasks) {
    if (fatal !== undefined) break;
    if (done?.has(task.key)) continue;
    const { variant, query } = task;
    if (variant.kind === "first-stage") {
      // Progress counts API tasks only (its total); first-stage records are kept without a tick.
      try {
        keep(
          firstStageRecord(
            variant,
            query.qid,
            query.docIds,
            performance.now() - origin,
            new Date().toISOString(),
          ),
        );
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
    pending.push(limit(() => runTask(task, reranker)));
  }
  await Promise.all(pending);
  if (fatal !== undefined) throw fatal;
  const cpu = process.cpuUsage(cpuAtStart);
  return { records, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/**
 * A finished task as its results.jsonl record: the one place a record is made from an outcome.
 * Each record is one object literal of one shape (no spreads): at 1,000 calls/s this runs in the
 * burst of answers, ahead of the next requests.
 */
export function recordOf(task: Task, outcome: Outcome, origin: number): ResultRecord {
  const { variant, query } = task;
  const finishedAt = new Date().toISOString();
  const ok = "result" in outcome ? outcome.result : undefined;
  const err = "failure" in outcome ? outcome.failure : undefined;
  let ranking: [string, number][] = [];
  if (ok) {
    const { items } = ok;
    ranking = new Array<[string, number]>(items.length);
    for (let i = 0; i < items.length; i++) ranking[i] = [query.docIds[items[i].index], items[i].score];
  }
  return {
    variant: variant.id,
    qid: query.qid,
    candidates: query.docIds.length,
    startedAt: outcome.startedAt,
    ranking,
    attemptLatenciesMs: ok ? ok.attemptLatenciesMs : (err?.attemptLatenciesMs ?? []),
    latencyMs: ok ? ok.latencyMs : outcome.end - outcome.start,
    attempts: ok ? ok.attempts : (err?.attempts ?? 0),
    requests: ok ? ok.requests : 1,
    usage: ok?.usage,
    scoreKind: ok?.scoreKind,
    notes: ok ? ok.notes : [],
    error: err
      ? { kind: err.kind, ...(err.status !== undefined ? { status: err.status } : {}), message: err.message }
      : undefined,
    cached: ok?.cached,
    finishedAt,
    startMs: outcome.start - origin,
    endMs: outcome.end - origin,
  };
}
