/**
 * A run's records laid out on its plan: for every planned (variant, query) task in manifest order,
 * its last record, or the note that it never ran. Scoring, the run files and (soon) resume and
 * shard merges all read a folder through this, so they agree on what is done.
 */
import type { Manifest, ManifestVariant } from "./manifest.js";
import { type ResultRecord, taskKey } from "./record.js";

export interface Collated {
  /** Variant id → its records in query order (plan order, never completion order). */
  byVariant: Map<string, ResultRecord[]>;
  /** Planned tasks without a record, in plan order. */
  missing: { variant: string; qid: string }[];
  /** Records of tasks the manifest does not plan (another run's lines, a hand edit): left out. */
  unplanned: number;
}

export function collateRecords(manifest: Manifest, records: Iterable<ResultRecord>): Collated {
  const byTask = new Map<string, ResultRecord>();
  for (const r of records) byTask.set(taskKey(r.variant, r.qid), r);
  const byVariant = new Map<string, ResultRecord[]>();
  const missing: Collated["missing"] = [];
  let used = 0;
  for (const v of manifest.variants) {
    const list: ResultRecord[] = [];
    for (const q of manifest.queries) {
      const r = byTask.get(taskKey(v.id, q.qid));
      if (r) {
        list.push(r);
        used++;
      } else if (v.kind === "first-stage") {
        // The candidate order needs no call: it is in the manifest, so it is never missing.
        list.push(firstStageRecord(v, q.qid, q.candidates, 0));
      } else {
        missing.push({ variant: v.id, qid: q.qid });
      }
    }
    byVariant.set(v.id, list);
  }
  return { byVariant, missing, unplanned: byTask.size - used };
}

/** Every task of the plan in query-major order, so every variant sees the same load over the run. */
export function* plannedTasks(
  manifest: Manifest,
): Generator<{ key: string; variant: ManifestVariant; qid: string }> {
  for (const q of manifest.queries) {
    for (const variant of manifest.variants) yield { key: taskKey(variant.id, q.qid), variant, qid: q.qid };
  }
}

/** The candidate order as a ranking (scores n, n-1, …, 1 reproduce that order under the trec rule). */
export function firstStageRecord(
  variant: { id: string },
  qid: string,
  candidates: readonly string[],
  atMs: number,
  at = new Date(0).toISOString(),
): ResultRecord {
  const n = candidates.length;
  return {
    variant: variant.id,
    qid,
    ranking: { docIds: [...candidates], scores: candidates.map((_, i) => n - i) },
    candidates: n,
    attemptLatenciesMs: [],
    latencyMs: 0,
    attempts: 0,
    requests: 0,
    notes: [],
    startedAt: at,
    finishedAt: at,
    startMs: atMs,
    endMs: atMs,
  };
}

/**
 * Seconds from the first request to the last answer over the records of the rerank variants: the
 * rerank phase's wall time, the same whether the records are in memory or read back.
 */
export function rerankWindowSeconds(records: Iterable<ResultRecord>): number {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const r of records) {
    if (r.startMs < first) first = r.startMs;
    if (r.endMs > last) last = r.endMs;
  }
  return last > first ? (last - first) / 1000 : 0;
}
