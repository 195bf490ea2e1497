/**
 * Ranking diffs: for the queries where a variant and the baseline differ most on a measure, the two
 * top-k lists side by side, each document with its grade (null when unjudged) and what happened
 * to it. Kept in report.json (compare reads reports back without their records).
 */

import type { z } from "zod";
import { sortTrec } from "../metrics/index.js";
import type { Qrels, Ranking } from "../trec/types.js";
import type { RankingDiffSchema } from "./schema.js";

/** The shapes are report.json's (schema.ts); this file only fills them. */
export type RankingDiff = z.infer<typeof RankingDiffSchema>;
type QueryDiff = RankingDiff["queries"][number];
type DiffEntry = QueryDiff["baseline"][number];
type DiffTag = DiffEntry["tag"];

export interface DiffRecord {
  qid: string;
  ranking: Ranking;
  error?: unknown;
}

export interface DiffInput {
  baseline: string;
  variant: string;
  measure: string;
  /** measure's per-query values of both (the report's vectors). */
  basePerQuery: Record<string, number>;
  variantPerQuery: Record<string, number>;
  /** Each query's ranking as recorded (a failed task has none, or an error). */
  baseRecords: DiffRecord[];
  variantRecords: DiffRecord[];
  qrels: Qrels;
  k: number;
  /** How many queries to show (the largest |Δ|, ties by query order). */
  n: number;
}

export function rankingDiff(input: DiffInput): RankingDiff {
  const { k, qrels } = input;
  const base = new Map(input.baseRecords.map((r) => [r.qid, r]));
  const variant = new Map(input.variantRecords.map((r) => [r.qid, r]));
  const deltas = Object.keys(input.variantPerQuery)
    .filter((qid) => qid in input.basePerQuery)
    .map((qid, order) => ({ qid, order, delta: input.variantPerQuery[qid] - input.basePerQuery[qid] }))
    .filter((d) => d.delta !== 0);
  deltas.sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta) || a.order - b.order);
  const queries = deltas.slice(0, input.n).map(({ qid, delta }) => {
    const grades = qrels.get(qid) ?? new Map<string, number>();
    const b = topK(base.get(qid), k);
    const v = topK(variant.get(qid), k);
    const bRank = new Map(b.map((id, i) => [id, i]));
    const vRank = new Map(v.map((id, i) => [id, i]));
    const relevant = (id: string) => (grades.get(id) ?? 0) >= 1;
    const entry = (id: string, i: number, tag: DiffTag): DiffEntry => ({
      rank: i + 1,
      docId: id,
      grade: grades.has(id) ? (grades.get(id) as number) : null,
      tag,
    });
    return {
      qid,
      delta,
      baseline: b.map((id, i) => {
        const there = vRank.get(id);
        if (there === undefined) return entry(id, i, relevant(id) ? "lost hit" : "");
        return entry(id, i, there < i ? "promoted" : there > i ? "demoted" : "");
      }),
      variant: v.map((id, i) => {
        const there = bRank.get(id);
        if (there === undefined) return entry(id, i, relevant(id) ? "new hit" : "");
        return entry(id, i, i < there ? "promoted" : i > there ? "demoted" : "");
      }),
    };
  });
  return { baseline: input.baseline, variant: input.variant, measure: input.measure, k, queries };
}

/** The first k document ids by the trec rule (what the measures saw); none for a failed task. */
function topK(record: DiffRecord | undefined, k: number): string[] {
  if (!record || record.error) return [];
  const sorted = sortTrec(record.ranking);
  return sorted.docIds.slice(0, k);
}
