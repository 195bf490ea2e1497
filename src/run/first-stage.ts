/**
 * A run's evaluation set, with its candidates from a first stage the run computes itself
 * (`--first-stage bm25`): BM25 over the BEIR corpus first (the corpus streamed into the index, no
 * text kept), then the set loaded keeping only the documents the rankings reference, so memory
 * holds the index while it is used and the referenced texts after. Depths: one or several
 * (`--depth 20 --depth 100`): retrieved and cut at the largest, each variant sending its own.
 */
import { detectFormat, loadEvalSet } from "../datasets/index.js";
import type { EvalSet } from "../datasets/types.js";
import { UsageError } from "../errors.js";
import { BM25_B, BM25_K1 } from "../retrieval/bm25.js";
import { bm25Candidates } from "../retrieval/first-stage.js";
import type { DatasetEntry } from "./config.js";

/** Documents per query a first stage retrieves when no --depth is given (BEIR's protocol). */
export const FIRST_STAGE_DEPTH = 100;

/** What the manifest records of a first stage the run computed. */
export interface FirstStageInfo {
  method: "bm25";
  k1: number;
  b: number;
  depth: number;
  ignoreIdenticalIds: boolean;
  /** Wall time of the first stage: queries, corpus streamed into the index, retrieval. */
  seconds: number;
  indexSeconds: number;
  retrieveSeconds: number;
}

export interface RunSet {
  evalSet: EvalSet;
  /** The depths asked for, ascending and distinct (empty: no cut). */
  depths: number[];
  firstStage?: FirstStageInfo;
}

/** `depth` as a config holds it (one value or a list) → the distinct depths, ascending. */
export function depthsOf(depth: number | number[] | undefined): number[] {
  if (depth === undefined) return [];
  return [...new Set([depth].flat())].sort((a, b) => a - b);
}

/** One line naming where the candidates came from: "bm25 (k1 0.9, b 0.4), depth 100". */
export function firstStageLabel(
  f: Pick<FirstStageInfo, "k1" | "b" | "depth" | "ignoreIdenticalIds">,
): string {
  return `bm25 (k1 ${f.k1}, b ${f.b}), depth ${f.depth}${f.ignoreIdenticalIds ? ", identical ids ignored" : ""}`;
}

export async function loadRunSet(dataset: DatasetEntry, signal?: AbortSignal): Promise<RunSet> {
  const { path, depth, firstStage, ignoreIdenticalIds, ...rest } = dataset;
  const depths = depthsOf(depth);
  const maxDepth = depths.at(-1);
  if (firstStage === undefined) {
    if (ignoreIdenticalIds)
      throw new UsageError(
        "--ignore-identical-ids applies to --first-stage bm25 only (the run ranks nothing itself)",
      );
    return { evalSet: await loadEvalSet(path, { ...rest, depth: maxDepth, signal }), depths };
  }
  if (rest.candidates !== undefined)
    throw new UsageError(
      "--first-stage and --candidates both say where the candidates come from: give one of them",
    );
  const format = rest.format ?? (await detectFormat(path));
  if (format !== "beir")
    throw new UsageError(
      `--first-stage bm25 needs a BEIR folder (corpus.jsonl, queries.jsonl, qrels/): ${path} is a ${format} set`,
    );
  const cut = maxDepth ?? FIRST_STAGE_DEPTH;
  const started = performance.now();
  const retrieved = await bm25Candidates(path, {
    split: rest.split,
    depth: cut,
    ignoreIdenticalIds: ignoreIdenticalIds === true,
    signal,
  });
  const info: FirstStageInfo = {
    method: "bm25",
    k1: BM25_K1,
    b: BM25_B,
    depth: cut,
    ignoreIdenticalIds: ignoreIdenticalIds === true,
    seconds: (performance.now() - started) / 1000,
    indexSeconds: retrieved.indexMs / 1000,
    retrieveSeconds: retrieved.retrieveMs / 1000,
  };
  const label = firstStageLabel(info);
  const evalSet = await loadEvalSet(path, {
    ...rest,
    candidateLists: { label, lists: retrieved.lists },
    signal,
  });
  evalSet.candidatesSource = label;
  return { evalSet, depths: maxDepth === undefined ? [cut] : depths, firstStage: info };
}
