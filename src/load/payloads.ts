/**
 * What a load sends and what it keeps: the payloads (each rerank task's query and candidates, cycled
 * by the sender), and the per-request glue a step runs for each arrival: one rerank call on a call
 * prepared once per payload, its answer scored against the labels as it arrives and kept as the
 * query's last answer of the step (or its first failure, when none succeeded).
 */
import { ApiError } from "../errors.js";
import type { PreparedCall, Reranker, RerankResult } from "../rerank/types.js";
import { type Task, taskCandidates } from "../run/plan.js";
import type { AnswerScorer, StepQuality } from "./quality.js";
import type { Send } from "./sender.js";

export interface Payload {
  qid: string;
  query: string;
  docIds: string[];
  documents: string[];
  topN?: number;
  /** Prepared at its first send and sent as it is after: its request body is encoded once. */
  call?: PreparedCall;
}

/** A query's last answer of a step (or its first failure when none succeeded), as it came. */
export type Kept = { p: Payload; start: number; end: number; startedAt: number } & (
  | { result: RerankResult; docIds: string[]; scores: number[] }
  | { error: ApiError | undefined; message: string }
);

/** One payload per rerank task, in the plan's order. */
export function payloadsOf(tasks: Task[]): Payload[] {
  return tasks.map((t) => ({
    qid: t.query.qid,
    query: t.query.text,
    ...taskCandidates(t),
    ...(t.variant.topN !== undefined ? { topN: t.variant.topN } : {}),
  }));
}

/** The step's send: one rerank call; its answer scored and kept, its failure named by kind. */
export function payloadSender(
  reranker: Reranker,
  payloads: Payload[],
  scorer: AnswerScorer,
  quality: StepQuality,
  last: Map<string, Kept>,
): Send {
  // Warmup answers are scored too, into a sum nobody reads: the window then starts with this code
  // compiled. Left cold, it ran interpreted at the window's start, at 2,000 answers/s: a stall after
  // which the open loop had opened ~820 connections in three runs out of three (~200 with it warm).
  const warmup = scorer.sums();
  return async (seq: number, recorded: boolean, signal: AbortSignal) => {
    const p = payloads[seq % payloads.length];
    const start = performance.now();
    const startedAt = Date.now();
    try {
      p.call ??= reranker.prepare(p.query, p.documents, p.topN);
      const result = await reranker.send(p.call, { signal });
      const docIds = result.items.map((it) => p.docIds[it.index]);
      const scores = result.items.map((it) => it.score);
      scorer.score(recorded ? quality : warmup, p.qid, docIds, scores);
      if (!recorded) return { ok: true } as const;
      // Kept raw; made a record once, at the step's end (only each query's last answer is written).
      last.set(p.qid, { p, result, docIds, scores, start, end: performance.now(), startedAt });
      return { ok: true } as const;
    } catch (err) {
      const e = err instanceof ApiError ? err : undefined;
      const kind = e ? (e.status !== undefined ? `${e.kind} ${e.status}` : e.kind) : "error";
      if (recorded && !last.has(p.qid))
        last.set(p.qid, {
          p,
          error: e,
          message: (err as Error).message,
          start,
          end: performance.now(),
          startedAt,
        });
      return { ok: false, kind } as const;
    }
  };
}
