/**
 * The BM25 first stage over a BEIR folder: the split's queries and judgements through the BEIR
 * loader (keeping no document), then the corpus streamed line by line into the index (title and
 * text together, Anserini's "flat" document), then the top k per query.
 */
import { loadBeir } from "../datasets/beir.js";
import { idField, parseJsonLine, textField } from "../datasets/jsonl.js";
import { InputError } from "../errors.js";
import { checkDecodedId, readLines } from "../trec/index.js";
import type { Qrels, ReadLimits, Run } from "../trec/types.js";
import { type Bm25Index, Bm25IndexBuilder } from "./bm25.js";

export interface RetrieveOptions {
  split?: string;
  /** Documents per query (default 100). */
  depth?: number;
  /** Drop a document whose id equals the query id (BEIR's convention). */
  ignoreIdenticalIds?: boolean;
  /** Stops reading when aborted (ReadLimits.signal). */
  signal?: AbortSignal;
}

export interface Retrieval {
  /** Query id → ranking in trec order (the run). */
  run: Run;
  /** Query ids in the order of queries.jsonl's split queries (as loaded). */
  queryIds: string[];
  qrels: Qrels;
  index: Bm25Index;
  /** ms spent reading queries and judgements, streaming and indexing the corpus, and retrieving. */
  loadMs: number;
  indexMs: number;
  retrieveMs: number;
  warnings: string[];
}

/** Streams a BEIR corpus.jsonl into a BM25 index. */
export async function indexBeirCorpus(file: string, limits: ReadLimits = {}): Promise<Bm25Index> {
  const builder = new Bm25IndexBuilder();
  const firstLine = new Map<string, number>();
  for await (const [text, line, isUtf8] of readLines(file, limits)) {
    if (text.trim() === "") continue;
    const obj = parseJsonLine(text, file, line);
    const id = idField(obj, "_id", file, line);
    checkDecodedId(id, isUtf8, { file, line, field: "_id" });
    const body = textField(obj, "text", file, line);
    const title = textField(obj, "title", file, line, { optional: true });
    if (!builder.add(id, title ? `${title} ${body}` : body))
      throw new InputError(`duplicate document id '${id}' (first on line ${firstLine.get(id)})`, {
        file,
        line,
        field: "_id",
      });
    firstLine.set(id, line);
  }
  return builder.finish();
}

export async function retrieveBeir(folder: string, opts: RetrieveOptions = {}): Promise<Retrieval> {
  const depth = opts.depth ?? 100;
  let t = performance.now();
  const parts = await loadBeir(folder, { split: opts.split, keepDocs: () => new Set(), signal: opts.signal });
  const loadMs = performance.now() - t;
  t = performance.now();
  const index = await indexBeirCorpus(parts.files[0], { signal: opts.signal });
  const indexMs = performance.now() - t;
  t = performance.now();
  const run: Run = new Map();
  for (const [qid, text] of parts.queries) {
    const hits = index.search(text, { k: depth, excludeId: opts.ignoreIdenticalIds ? qid : undefined });
    run.set(qid, { docIds: hits.map((h) => h.docId), scores: Float64Array.from(hits, (h) => h.score) });
  }
  const retrieveMs = performance.now() - t;
  return {
    run,
    queryIds: [...parts.queries.keys()],
    qrels: parts.qrels,
    index,
    loadMs,
    indexMs,
    retrieveMs,
    warnings: parts.warnings,
  };
}

/** A run as TREC lines: `qid Q0 docid rank score tag`, ranks from 1 in trec order, scores in full. */
export function formatRun(run: Run, tag = "bm25"): string {
  const lines: string[] = [];
  for (const [qid, r] of run)
    for (let i = 0; i < r.docIds.length; i++)
      lines.push(`${qid} Q0 ${r.docIds[i]} ${i + 1} ${r.scores[i]} ${tag}`);
  return lines.length ? `${lines.join("\n")}\n` : "";
}
