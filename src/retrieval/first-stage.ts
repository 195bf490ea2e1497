/**
 * BM25 as a run's first stage: the candidate lists (document ids in rank order) of every query of
 * the split, and the time each step took. Only the lists are returned, so the index (the largest
 * thing the first stage builds) is garbage as soon as retrieval ends, before the set is loaded.
 */
import { retrieveBeir } from "./retrieve.js";

export interface FirstStageOptions {
  split?: string;
  depth: number;
  ignoreIdenticalIds?: boolean;
  /** Stops reading the corpus when aborted (ReadLimits.signal). */
  signal?: AbortSignal;
}

export interface FirstStageLists {
  /** Query id → document ids, best first (trec order), at most `depth`. */
  lists: Map<string, string[]>;
  /** ms spent on streaming the corpus into the index, and on retrieving. */
  indexMs: number;
  retrieveMs: number;
}

export async function bm25Candidates(folder: string, opts: FirstStageOptions): Promise<FirstStageLists> {
  const r = await retrieveBeir(folder, {
    split: opts.split,
    depth: opts.depth,
    ignoreIdenticalIds: opts.ignoreIdenticalIds,
    signal: opts.signal,
  });
  const lists = new Map<string, string[]>();
  for (const [qid, ranking] of r.run) lists.set(qid, ranking.docIds);
  return { lists, indexMs: r.indexMs, retrieveMs: r.retrieveMs };
}
