/**
 * qrels.txt: the judgements of the evaluated queries as TREC qrels (`qid 0 docid grade`), written
 * with the manifest so a folder is scored the same way whether its run finished or died, and so a
 * run file can be scored by `evaluate`/trec_eval even when the set came as CSV or was sampled.
 */
import { readQrels } from "../trec/qrels.js";
import type { Qrels } from "../trec/types.js";

/** The lines of the judgements of `qids`, in that order. */
export function* qrelsLines(qids: Iterable<string>, qrels: Qrels): Generator<string> {
  for (const qid of qids) {
    for (const [docId, grade] of qrels.get(qid) ?? []) yield `${qid} 0 ${docId} ${grade}\n`;
  }
}

export { readQrels };
