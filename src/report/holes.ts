/**
 * Holes in the judgements (BEIR's hole@k): when the candidates are not the judged pool (a first
 * stage, a run file), a reranker that lifts unjudged documents is scored as if they were not
 * relevant. The report shows how much of each variant's top 10 is judged at all (Judged@10), warns
 * when it falls below 0.9, and lists the unjudged (query, document) pairs most rerank variants put
 * in their top 3: the labelling worth doing first. Pure: manifest, records and judgements in.
 */

import type { Qrels, Run } from "../metrics/index.js";
import { scoreRun } from "../metrics/index.js";
import type { Manifest } from "../results/manifest.js";
import type { ResultRecord } from "../results/record.js";
import { compareIdBytes, trecOrder } from "../trec/index.js";
import type { Ranking } from "../trec/types.js";

/** Judged@k's cut-off, the top a pair must reach to be listed, the threshold and the list's length. */
export const HOLES_K = 10;
export const HOLES_TOP = 3;
export const HOLES_MIN_JUDGED = 0.9;
const HOLES_LISTED = 10;

export interface Holes {
  k: number;
  /** Variant id → mean Judged@k over the queries it ranked (failures left out: they show nothing). */
  judged: Record<string, number>;
  /** The variants whose Judged@k is below `threshold`. */
  below: string[];
  threshold: number;
  top: number;
  /** Unjudged pairs by the number of rerank variants that placed them in their top `top`, most first. */
  unjudged: { qid: string; query: string; docId: string; variants: number }[];
}

/** Undefined for the judged pool (every candidate is judged: nothing to find). */
const JUDGED_CANDIDATES = new Set(["qrels", "csv", "mteb"]);

export function holesOf(
  manifest: Manifest,
  byVariant: Map<string, ResultRecord[]>,
  qrels: Qrels,
): Holes | undefined {
  // The judged pool, and sets whose every candidate carries a label (CSV rows, MTEB lists), have no
  // holes to report: only a first stage (a run file or --first-stage) ranks unjudged documents.
  if (JUDGED_CANDIDATES.has(manifest.candidates.source)) return undefined;
  const measure = `Judged@${HOLES_K}`;
  const judged: Record<string, number> = {};
  const placed = new Map<string, { qid: string; docId: string; variants: number }>();
  for (const variant of manifest.variants) {
    const run: Run = new Map();
    for (const r of byVariant.get(variant.id) ?? []) {
      if (r.error) continue;
      run.set(r.qid, r.ranking);
    }
    const evaluation = scoreRun(qrels, run, [measure], { complete: false });
    judged[variant.id] = run.size ? (evaluation.mean[measure] ?? 0) : 0;
    if (variant.kind !== "rerank") continue;
    for (const [qid, ranking] of run) {
      const grades = qrels.get(qid);
      for (const docId of trecTop(ranking, HOLES_TOP)) {
        if (grades?.has(docId)) continue;
        const key = `${qid}\n${docId}`;
        const entry = placed.get(key) ?? { qid, docId, variants: 0 };
        entry.variants++;
        placed.set(key, entry);
      }
    }
  }
  const texts = new Map(manifest.queries.map((q) => [q.qid, q.text ?? ""]));
  const unjudged = [...placed.values()]
    .sort(
      (a, b) => b.variants - a.variants || compareIdBytes(a.qid, b.qid) || compareIdBytes(a.docId, b.docId),
    )
    .slice(0, HOLES_LISTED)
    .map((e) => ({ qid: e.qid, query: texts.get(e.qid) ?? "", docId: e.docId, variants: e.variants }));
  return {
    k: HOLES_K,
    judged,
    below: Object.keys(judged).filter((id) => judged[id] < HOLES_MIN_JUDGED),
    threshold: HOLES_MIN_JUDGED,
    top: HOLES_TOP,
    unjudged,
  };
}

/** The warning a variant below the threshold gets, in the report's warnings. */
export function holeWarning(variant: string, judgedShare: number, k = HOLES_K): string {
  const unjudged = Math.round((1 - judgedShare) * 100);
  return `${variant}: nDCG may be understated: ${unjudged}% of its top ${k} is unjudged (BEIR's hole@${k})`;
}

/** The first n documents as scoring ranks them: score descending, ties by id descending (trec_eval). */
function trecTop(ranking: Ranking, n: number): string[] {
  return [...trecOrder(ranking).subarray(0, n)].map((i) => ranking.docIds[i]);
}
