/**
 * One line of results.jsonl: the outcome of one (variant, query) task, written the moment it
 * finishes. It holds everything scoring needs without the API (design.md): the ranking with raw
 * scores, per-attempt latencies, attempts, usage, notes, the error if any, and the task's times.
 */
import type { RerankNote, RerankUsage, ScoreKind } from "../rerank/types.js";

export interface ResultError {
  kind: string;
  status?: number;
  message: string;
}

export interface ResultRecord {
  variant: string;
  qid: string;
  /** [docId, score] in the API's order (score desc); empty when the task failed. */
  ranking: [string, number][];
  /** Number of candidates sent. */
  candidates: number;
  attemptLatenciesMs: number[];
  /** Wall time of the whole call, retries and back-off included. */
  latencyMs: number;
  attempts: number;
  requests: number;
  usage?: RerankUsage;
  scoreKind?: ScoreKind;
  notes: RerankNote[];
  error?: ResultError;
  /**
   * The answer came from the response cache: no call was made, so it has no attempts and its
   * latency is not a service time (the report leaves it out of latency and throughput).
   */
  cached?: true;
  /** ISO timestamps (wall clock) of the task's start and end. */
  startedAt: string;
  finishedAt: string;
  /** Monotonic times relative to the run's origin, ms: what timing and throughput are computed from. */
  startMs: number;
  endMs: number;
  /** The run's concurrency limit when the task started (adaptive: lower after 429s); absent in older folders. */
  concurrency?: number;
}

/**
 * The identity of a task, the same whether it is planned, running or read back from disk: resume
 * and shard merges compare these. Variant ids are file-name safe (no whitespace), so one space
 * separates the two parts unambiguously whatever the query id holds.
 */
export function taskKey(variant: string, qid: string): string {
  return `${variant} ${qid}`;
}
