/**
 * A Reranker that answers from the response cache (design.md: the cache wraps a Reranker; the
 * client never knows it). Modes:
 * - use: a stored answer is returned without a call; a miss calls and stores the answer;
 * - refresh: always calls, and overwrites what was stored;
 * - offline: answers only from the store; a miss is an OfflineMiss (runs count misses first).
 * Only successful answers are stored: an ApiError passes through untouched. A cached answer has
 * no attempts, no requests and `cached: true`, so the report leaves it out of latency and
 * throughput; its items, scores, usage and notes are the stored ones, so metrics are unchanged.
 */
import { UsageError } from "../../errors.js";
import type { Reranker, RerankResult } from "../types.js";
import { type AnswerIdentity, answerKey } from "./key.js";
import type { AnswerStore } from "./store.js";

export type CacheMode = "use" | "refresh" | "offline";

export interface CacheCounts {
  hits: number;
  misses: number;
}

export interface CachingReranker extends Reranker {
  readonly counts: CacheCounts;
  /** Whether the store holds a readable answer for this call (offline runs count misses with it). */
  isCached(query: string, documents: string[], topN?: number): Promise<boolean>;
}

/** An offline call whose answer is not stored (the run's own check found it present: a race). */
export class OfflineMiss extends UsageError {}

export function cachingReranker(
  inner: Reranker,
  store: AnswerStore,
  identity: AnswerIdentity,
  mode: CacheMode,
): CachingReranker {
  const counts: CacheCounts = { hits: 0, misses: 0 };
  const keyOf = (query: string, documents: readonly string[], topN?: number) =>
    answerKey(identity, { query, documents, topN });

  /** The stored answer of (query, documents, topN), or `call()`'s, stored; a hit calls nothing. */
  async function answer(
    query: string,
    documents: readonly string[],
    topN: number | undefined,
    call: () => Promise<RerankResult>,
  ): Promise<RerankResult> {
    const started = performance.now();
    const key = keyOf(query, documents, topN);
    if (mode !== "refresh") {
      const stored = await store.get(key, documents.length);
      if (stored) {
        counts.hits++;
        return {
          ...stored,
          attemptLatenciesMs: [],
          attempts: 0,
          latencyMs: performance.now() - started,
          requests: 0,
          cached: true,
        };
      }
      counts.misses++;
      if (mode === "offline")
        throw new OfflineMiss(
          `--offline: a task has no cached answer in ${store.dir} (was it just removed?)`,
        );
    }
    const result = await call();
    await store.put(key, result);
    return result;
  }
  const prepare = (query: string, documents: string[], topN?: number) =>
    inner.prepare(query, documents, topN);

  return {
    provider: inner.provider,
    model: inner.model,
    endpoint: inner.endpoint,
    apiKeyEnv: inner.apiKeyEnv,
    counts,
    // A hit neither plans nor encodes the call: only a miss reaches the client.
    rerank: (query, documents, opts = {}) =>
      answer(query, documents, opts.topN, () => inner.rerank(query, documents, opts)),
    prepare,
    send: (call, opts) => answer(call.query, call.documents, call.topN, () => inner.send(call, opts)),
    isCached: async (query, documents, topN) =>
      (await store.get(keyOf(query, documents, topN), documents.length)) !== undefined,
    close: () => inner.close(),
  };
}
