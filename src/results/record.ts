/**
 * One line of results.jsonl: the outcome of one (variant, query) task, written the moment it
 * finishes. It holds everything scoring needs without the API (design.md): the ranking with raw
 * scores, per-attempt latencies, attempts, usage, notes, the error if any, and the task's times.
 */
import type { RerankNote, RerankUsage, ScoreKind } from "../rerank/types.js";
import type { Ranking } from "../trec/types.js";

export interface ResultError {
  kind: string;
  status?: number;
  message: string;
}

/**
 * A ranking as two columns, ids and raw scores side by side. results.jsonl writes it as [docId,
 * score] pairs (`rankingPairs`); in memory the columns cost about a quarter of the pairs (20
 * documents: 0.4 KB against 1.6 KB), which is most of a big run's records.
 */
export type RecordRanking = Ranking & { scores: number[] };

/** The file's form of a ranking: [docId, score] pairs in order. */
export function rankingPairs(ranking: RecordRanking): [string, number][] {
  return ranking.docIds.map((id, i) => [id, ranking.scores[i]]);
}

/**
 * A ranking from the file's [docId, finite score] pairs, checked in the same pass (the reader runs it
 * once per line of multi-million-score files); undefined when `value` is not such pairs.
 */
export function rankingOfPairs(value: unknown): RecordRanking | undefined {
  if (!Array.isArray(value)) return undefined;
  const docIds = new Array<string>(value.length);
  const scores = new Array<number>(value.length);
  for (let i = 0; i < value.length; i++) {
    const p = value[i];
    if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== "string" || !Number.isFinite(p[1]))
      return undefined;
    docIds[i] = p[0];
    scores[i] = p[1];
  }
  return { docIds, scores };
}

/** The record as results.jsonl holds it: one JSON line (without its newline), ranking as pairs. */
export function recordLine(record: ResultRecord): string {
  return JSON.stringify({ ...record, ranking: rankingPairs(record.ranking) });
}

export interface ResultRecord {
  variant: string;
  qid: string;
  /** The API's answer in its order (score desc); empty when the task failed. */
  ranking: RecordRanking;
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
