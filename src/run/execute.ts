/**
 * The execute stage: tasks in, records out. Every rerank task goes through ONE limiter shared by
 * all variants (so -j bounds the requests in flight to the provider, whatever the number of
 * variants; it halves on 429s and grows back: adaptive.ts), an optional shared pace (--rps), and
 * each finished task's record goes to the sink (results.jsonl) at once. Tasks whose keys are in
 * `done` are skipped: resume and shards pass them. A stop (Ctrl-C) ends the launching of tasks and
 * lets the calls in flight finish; an abort cuts those short too, and a call cut short leaves its
 * task missing (to resume), never failed. A variant that fails fast (fail-fast.ts) stops alone.
 */
import { ApiError } from "../errors.js";
import type { Reranker, RerankOptions, RerankResult } from "../rerank/types.js";
import { firstStageRecord } from "../results/collate.js";
import type { ResultRecord } from "../results/record.js";
import { AdaptiveLimiter, type LimitChange } from "./adaptive.js";
import { FailFastWatch, type StoppedVariant } from "./fail-fast.js";
import { RequestPacer } from "./pacer.js";
import { type Task, taskCandidates } from "./plan.js";
import type { Progress } from "./progress.js";
import { trackUnsettled } from "./unsettled.js";

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
  /** Aborted: launch no more tasks (the calls in flight go on). */
  stop?: AbortSignal;
  /** Aborted: cut the calls in flight short too; their tasks stay missing. */
  abort?: AbortSignal;
  /** Stop a variant whose first tasks all fail the same hopeless way (default true). */
  failFast?: boolean;
  /** Told the moment a variant is stopped by fail fast. */
  onVariantStopped?: (stopped: StoppedVariant) => void;
  /** Added to every record's startMs/endMs: a resumed run continues the clock of the records before it. */
  clockOffsetMs?: number;
}

export interface ExecuteOutcome {
  records: ResultRecord[];
  /** CPU time of this process over the phase (user + system), seconds: the client's own cost. */
  cpuSeconds: number;
  /** Variants stopped by fail fast, in the order they were stopped. */
  stoppedVariants: StoppedVariant[];
  /** True when a stop or abort left tasks unsent or cut short. */
  interrupted: boolean;
  /** The limiter's ceiling (-j) and every change of its limit (ms on the records' clock). */
  concurrency: { max: number; changes: LimitChange[] };
}

/** What became of one task: an answer, an API failure (the query's fate), or no call at all. */
type Outcome =
  | { result: RerankResult; start: number; end: number; startedAt: string; limit?: number }
  | { failure: ApiError; start: number; end: number; startedAt: string; limit?: number };

export async function executeTasks(input: ExecuteInput): Promise<ExecuteOutcome> {
  const { rerankers, sink, progress, done, stop, abort } = input;
  const offset = input.clockOffsetMs ?? 0;
  const origin = performance.now() - offset;
  const cpuAtStart = process.cpuUsage();
  const limiter = new AdaptiveLimiter(input.concurrency, { now: () => performance.now() - origin });
  const pacer = input.rps ? new RequestPacer(input.rps) : undefined;
  const records: ResultRecord[] = [];
  const watches = new Map<string, FailFastWatch>();
  const stoppedVariants: StoppedVariant[] = [];
  let interrupted = false;
  let fatal: unknown;

  const keep = (record: ResultRecord) => {
    records.push(record);
    sink(record);
  };
  const halted = () => fatal !== undefined || stop?.aborted === true || abort?.aborted === true;

  const call = async (task: Task, reranker: Reranker, limit: number): Promise<Outcome> => {
    const startedAt = new Date().toISOString();
    const start = performance.now();
    const { query, variant } = task;
    let rateLimited = false;
    try {
      const options: RerankOptions = {
        onRateLimited: () => {
          rateLimited = true;
          limiter.rateLimited();
        },
      };
      if (variant.topN) options.topN = variant.topN;
      if (abort) options.signal = abort;
      const result = await reranker.rerank(query.text, taskCandidates(task).documents, options);
      if (!rateLimited) limiter.succeeded();
      return { result, start, end: performance.now(), startedAt, limit };
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      return { failure: err, start, end: performance.now(), startedAt, limit };
    }
  };

  // Anything but an API failure (a full disk, a missing key, a bug) stops the run: the first such
  // error is kept, tasks still queued return at once, and the error is thrown once the requests in
  // flight are done.
  // Not sent: the run was stopped (interrupted) or its variant was (fail fast, said apart).
  const skipped = (watch: FailFastWatch | undefined) => {
    if (!halted() && !watch?.stopped) return false;
    interrupted ||= !watch?.stopped;
    return true;
  };
  const runTask = async (task: Task, reranker: Reranker, watch: FailFastWatch | undefined, limit: number) => {
    if (skipped(watch)) return;
    try {
      if (pacer) await pacer.take();
      if (skipped(watch)) return;
      const outcome = await call(task, reranker, limit);
      // A call the user cut short did not fail: its task is left to resume.
      if ("failure" in outcome && outcome.failure.kind === "aborted" && abort?.aborted) {
        interrupted = true;
        return;
      }
      const record = recordOf(task, outcome, origin);
      keep(record);
      progress?.tick(record.error !== undefined);
      const stopped = watch?.observe(record.error);
      if (stopped) {
        stoppedVariants.push(stopped);
        input.onVariantStopped?.(stopped);
      }
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
            taskCandidates(task).docIds,
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
    let watch = watches.get(variant.id);
    if (!watch && input.failFast !== false) {
      watch = new FailFastWatch(variant.id, reranker.apiKeyEnv);
      watches.set(variant.id, watch);
    }
    pending.push(limiter.run((limit) => runTask(task, reranker, watch, limit)));
  }
  const untrack = trackUnsettled(() => limiter.active + limiter.waiting);
  try {
    await Promise.all(pending);
  } finally {
    untrack();
  }
  if (fatal !== undefined) throw fatal;
  const cpu = process.cpuUsage(cpuAtStart);
  return {
    records,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    stoppedVariants,
    interrupted,
    concurrency: { max: limiter.max, changes: limiter.changes },
  };
}

/**
 * A finished task as its results.jsonl record: the one place a record is made from an outcome.
 * Each record is one object literal of one shape (no spreads): at 1,000 calls/s this runs in the
 * burst of answers, ahead of the next requests.
 */
export function recordOf(task: Task, outcome: Outcome, origin: number): ResultRecord {
  const { variant, query } = task;
  const { docIds } = taskCandidates(task);
  const finishedAt = new Date().toISOString();
  const ok = "result" in outcome ? outcome.result : undefined;
  const err = "failure" in outcome ? outcome.failure : undefined;
  // Arrays of exactly their length (push leaves spare capacity, kept as long as the record).
  const ranking: ResultRecord["ranking"] = ok
    ? { docIds: ok.items.map((item) => docIds[item.index]), scores: ok.items.map((item) => item.score) }
    : { docIds: [], scores: [] };
  return {
    variant: variant.id,
    qid: query.qid,
    candidates: docIds.length,
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
    concurrency: outcome.limit,
  };
}
