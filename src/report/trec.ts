/**
 * TREC run export: `qid Q0 docid rank score tag`, one file per variant, so trec_eval and
 * `rerank-eval evaluate --complete` score it to the report's numbers. Scores are printed with
 * String(score), the shortest text that parses back to the same float64: ties stay ties and the
 * order trec_eval rebuilds from the scores is exactly ours (a fixed "%.4f" would create new ties).
 */
import { sortTrec } from "../metrics/index.js";
import type { ResultRecord } from "../results/record.js";

/** The lines of one query, ranked by the trec rule (the rank column matches what trec_eval uses). */
export function trecLines(record: ResultRecord, tag: string): string[] {
  const sorted = sortTrec(record.ranking);
  const lines: string[] = [];
  for (let i = 0; i < sorted.docIds.length; i++) {
    lines.push(`${record.qid} Q0 ${sorted.docIds[i]} ${i + 1} ${String(sorted.scores[i])} ${tag}`);
  }
  return lines;
}

/** One variant's run, a query at a time; failed queries have no lines (the complete convention scores them 0). */
export function* trecRunChunks(records: Iterable<ResultRecord>, tag: string): Generator<string> {
  for (const r of records) {
    if (r.error || r.ranking.docIds.length === 0) continue;
    yield `${trecLines(r, tag).join("\n")}\n`;
  }
}

/** Ids TREC files cannot carry (they split on whitespace); counted so the report can warn. */
export function idsWithWhitespace(ids: Iterable<string>): number {
  let n = 0;
  for (const id of ids) if (/\s/.test(id) || id === "") n++;
  return n;
}
