/**
 * Sharding a run across machines (`run --shard i/n`, 1-based as Playwright counts): every machine
 * plans the whole run (sampling included), then keeps the queries of its shard. The partition is a
 * pure function of the query id and n, so every machine and every Node version draws the same one:
 *
 *   shard(qid) = 1 + (the first 8 hex digits of sha256(qid as UTF-8), read as an unsigned integer) mod n
 *
 * Each shard's manifest records what `rerank-eval merge` needs to prove the shards add up to the
 * unsharded plan: its size, a hash of its ordered query ids and each kept query's ordinal in it.
 */
import { createHash } from "node:crypto";
import { UsageError } from "../errors.js";

/** Which shard of how many, 1-based: `2/3`. */
export interface ShardSpec {
  index: number;
  count: number;
}

/** A shard's part of the unsharded plan, as its manifest records it. */
export interface ShardPlan extends ShardSpec {
  /** Queries of the unsharded plan (after sampling). */
  planQueries: number;
  /** planIdsHash of the unsharded plan's query ids, in plan order. */
  planIdsHash: string;
  /** Per kept query (in this shard's order), its 0-based position in the unsharded plan. */
  ordinals: number[];
}

/** Kubernetes Indexed Jobs set this (0-based) in every pod. */
export const INDEX_ENV = "JOB_COMPLETION_INDEX";
/** The count of `--shard auto` when --shard-count does not give it. */
export const COUNT_ENV = "RERANK_EVAL_SHARD_COUNT";

/** The 1-based shard a query belongs to among `count` (the rule in the header). */
export function shardOfQuery(qid: string, count: number): number {
  const head = createHash("sha256").update(qid, "utf8").digest("hex").slice(0, 8);
  return 1 + (Number.parseInt(head, 16) % count);
}

/** sha256 of the ids as a JSON array: any id (spaces, newlines) is unambiguous, and order counts. */
export function planIdsHash(qids: readonly string[]): string {
  return createHash("sha256").update(JSON.stringify(qids), "utf8").digest("hex");
}

/** The queries of one shard, in plan order, with the record its manifest keeps. */
export function partitionQueries(
  qids: readonly string[],
  spec: ShardSpec,
): { kept: string[]; shard: ShardPlan } {
  const kept: string[] = [];
  const ordinals: number[] = [];
  qids.forEach((qid, i) => {
    if (shardOfQuery(qid, spec.count) === spec.index) {
      kept.push(qid);
      ordinals.push(i);
    }
  });
  return {
    kept,
    shard: { ...spec, planQueries: qids.length, planIdsHash: planIdsHash(qids), ordinals },
  };
}

const SHAPE = /^(\d+)\/(\d+)$/;

/** `i/n` with 1 <= i <= n, or undefined when the text is not that. */
export function parseShard(text: string): ShardSpec | undefined {
  const m = SHAPE.exec(text.trim());
  if (!m) return undefined;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(count) || count < 1 || index < 1 || index > count) return undefined;
  return { index, count };
}

export const SHARD_RULE = "must be i/n with 1 <= i <= n (e.g. 2/3), or auto";

/**
 * The shard a run takes: `i/n` as given, or for `auto` the index from JOB_COMPLETION_INDEX (0-based)
 * and the count from --shard-count or RERANK_EVAL_SHARD_COUNT. A missing or bad value is one line
 * naming the variable (or flag) it came from.
 */
export function resolveShard(
  shard: string | undefined,
  shardCount: number | undefined,
  env: Record<string, string | undefined>,
): ShardSpec | undefined {
  if (shard === undefined) {
    if (shardCount !== undefined) throw new UsageError("--shard-count goes with --shard auto");
    return undefined;
  }
  if (shard !== "auto") {
    if (shardCount !== undefined)
      throw new UsageError(`--shard-count goes with --shard auto; --shard ${shard} gives the count itself`);
    const spec = parseShard(shard);
    if (!spec) throw new UsageError(`--shard ${SHARD_RULE}, got '${shard}'`);
    return spec;
  }
  const rawCount = shardCount === undefined ? env[COUNT_ENV] : String(shardCount);
  const from = shardCount === undefined ? COUNT_ENV : "--shard-count";
  if (rawCount === undefined || rawCount.trim() === "")
    throw new UsageError(`--shard auto needs the shard count: pass --shard-count N or set ${COUNT_ENV}`);
  const count = wholeNumber(rawCount);
  if (count === undefined || count < 1)
    throw new UsageError(`${from} must be a positive integer, got '${rawCount}'`);
  const rawIndex = env[INDEX_ENV];
  if (rawIndex === undefined || rawIndex.trim() === "")
    throw new UsageError(
      `--shard auto reads the shard from ${INDEX_ENV} (a Kubernetes Indexed Job sets it), which is not set; elsewhere pass --shard i/n`,
    );
  const index = wholeNumber(rawIndex);
  if (index === undefined) throw new UsageError(`${INDEX_ENV} must be an integer >= 0, got '${rawIndex}'`);
  if (index >= count)
    throw new UsageError(
      `${INDEX_ENV} is ${index}, out of range for ${count} shards (0-based: 0 to ${count - 1})`,
    );
  return { index: index + 1, count };
}

function wholeNumber(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** What a shard's folder says about itself (a report warning): which part of the plan it holds. */
export function shardNote(shard: ShardPlan): string {
  const n = shard.ordinals.length;
  const part = `shard ${shard.index}/${shard.count}: ${n} of the ${shard.planQueries} planned queries`;
  if (n === 0)
    return `${part}: the partition gave every query to the other shards, so this is an empty run (valid; \`rerank-eval merge\` takes it like any shard)`;
  return `${part} (the others are in the other shards; \`rerank-eval merge\` joins them into the whole run's report)`;
}
