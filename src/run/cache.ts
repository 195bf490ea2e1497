/**
 * The response cache in a run: which folder and mode the options ask for, each model's reranker
 * wrapped (src/rerank/cache), the offline check before any call, and what the run says about the cache at
 * its end. The embedded reference server is deliberately not cached: its answers cost nothing and
 * take microseconds in-process, and it is the tool's own reference for latency and faults, whose
 * figures a cached second run (`npm start` twice) would lose. Its tasks run under every mode.
 */
import pLimit from "p-limit";
import { UsageError } from "../errors.js";
import {
  type AnswerIdentity,
  AnswerStore,
  type CacheMode,
  type CachingReranker,
  cachingReranker,
  defaultCacheDir,
} from "../rerank/cache/index.js";
import type { Reranker } from "../rerank/types.js";
import { agree, count } from "../text/words.js";
import type { ModelSpec, RunOptions } from "./config.js";
import { type Plan, taskCandidates, tasksOf } from "./plan.js";

export interface RunCache {
  store: AnswerStore;
  mode: CacheMode;
  /** The wrapped rerankers, for their hit and miss counts. */
  rerankers: CachingReranker[];
  /** Unreadable entries and failed writes, as report warnings. */
  warnings(): string[];
}

/** The cache the options ask for, or undefined (`--no-cache`); contradictory modes are usage errors. */
export function openRunCache(options: RunOptions, redact: (text: string) => string): RunCache | undefined {
  const { offline, refresh } = options;
  if (offline && refresh)
    throw new UsageError(
      "--offline and --refresh contradict each other: --offline makes no call, --refresh calls for every task",
    );
  if (options.cache === false) {
    if (offline || refresh)
      throw new UsageError(
        `--${offline ? "offline" : "refresh"} needs the cache, but --no-cache turns it off`,
      );
    return undefined;
  }
  const store = new AnswerStore(options.cache ?? defaultCacheDir(), redact);
  const rerankers: CachingReranker[] = [];
  return {
    store,
    mode: offline ? "offline" : refresh ? "refresh" : "use",
    rerankers,
    warnings: () => cacheWarnings(store),
  };
}

/** The model's reranker behind the cache; the embedded server's is returned as it is (see above). */
export function withCache(reranker: Reranker, m: ModelSpec, cache: RunCache | undefined): Reranker {
  if (!cache || m.endpoint === "embedded") return reranker;
  const identity: AnswerIdentity = {
    provider: m.provider,
    // The URL in use (the provider's public endpoint when none was given); the key drops credentials.
    endpoint: reranker.endpoint,
    model: m.model,
    params: {
      options: m.options ?? {},
      qwen3Instruction: m.qwen3Instruction ?? null,
      maxDocsPerRequest: m.maxDocsPerRequest ?? null,
      maxRequestBytes: m.maxRequestBytes ?? null,
    },
  };
  const wrapped = cachingReranker(reranker, cache.store, identity, cache.mode);
  cache.rerankers.push(wrapped);
  return wrapped;
}

/**
 * Offline: every cached variant's task must have a readable answer, checked before the run folder
 * is touched, so a refused run leaves nothing half-done. One line says how many are missing.
 */
export async function requireCachedAnswers(
  plan: Plan,
  rerankers: Map<string, Reranker>,
  cache: RunCache,
): Promise<void> {
  if (cache.mode !== "offline") return;
  const cached = new Set<Reranker>(cache.rerankers);
  const limit = pLimit(32);
  const checks: Promise<boolean>[] = [];
  for (const task of tasksOf(plan)) {
    const { variant, query } = task;
    const r = variant.model ? rerankers.get(variant.model.name) : undefined;
    if (!r || !cached.has(r)) continue;
    const c = r as CachingReranker;
    checks.push(limit(() => c.isCached(query.text, taskCandidates(task).documents, variant.topN)));
  }
  const found = await Promise.all(checks);
  const missing = found.filter((f) => !f).length;
  if (missing > 0)
    throw new UsageError(
      `--offline: ${missing} of ${found.length} tasks have no cached answer in ${cache.store.dir}`,
    );
}

function cacheWarnings(store: AnswerStore): string[] {
  const { unreadable, writeFailures, firstWriteFailure } = store.stats;
  const warnings: string[] = [];
  if (unreadable)
    warnings.push(
      `${count(unreadable, "cached answer")} ${agree(unreadable, "was", "were")} unreadable (corrupt or incomplete entries in ${store.dir}): called again; \`rerank-eval cache verify\` repairs the folder`,
    );
  if (writeFailures)
    warnings.push(
      `${count(writeFailures, "answer")} could not be stored in the cache ${store.dir} (${firstWriteFailure})`,
    );
  return warnings;
}
