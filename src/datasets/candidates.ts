/**
 * The candidates option, the same for every format: a TREC run (ranked, cut to `depth`), the judged
 * pool ("qrels", in a label-blind order), or the format's own lists. Documents no list references
 * are dropped so that a big corpus costs memory only for what will be reranked.
 */
import { UsageError } from "../errors.js";
import { agree, count } from "../text/words.js";
import { readRun } from "../trec/index.js";
import type { KeepDocs } from "./beir.js";
import { requireFile } from "./files.js";
import { labelBlindOrder } from "./ids.js";
import type { LoadedParts } from "./parts.js";
import type { Doc, EvalSet } from "./types.js";

export type CandidatesSpec =
  | { kind: "native" }
  | { kind: "qrels" }
  | { kind: "run"; path: string; lists: Map<string, string[]> };

export function checkDepth(depth: number | undefined): void {
  if (depth !== undefined && !(Number.isSafeInteger(depth) && depth >= 1))
    throw new UsageError(`depth must be a positive integer, got ${depth}`);
}

/** Reads the run first, so a corpus can be filtered while it streams. */
export async function resolveCandidates(option: string | undefined, depth?: number): Promise<CandidatesSpec> {
  if (option === undefined) return { kind: "native" };
  if (option === "qrels") return { kind: "qrels" };
  await requireFile(option, "a TREC run file: qid Q0 docid rank score tag");
  // readRun rejects a document listed twice for one query, with its line. Given a depth it puts each
  // ranking in trec order and cuts it while streaming (strings only for the documents kept); an
  // unbounded depth keeps every document, so the lists are never sorted a second time.
  const run = await readRun(option, { depth: depth ?? Number.POSITIVE_INFINITY });
  const lists = new Map([...run].map(([queryId, ranking]) => [queryId, ranking.docIds] as const));
  return { kind: "run", path: option, lists };
}

/** For BEIR: the documents worth keeping once the qrels are known (undefined: keep all). */
export function docsToKeep(spec: CandidatesSpec): KeepDocs | undefined {
  if (spec.kind === "native") return undefined;
  return (qrels) => {
    const keep = new Set<string>();
    if (spec.kind === "qrels") {
      for (const judged of qrels.values()) for (const docId of judged.keys()) keep.add(docId);
    } else {
      for (const [queryId, docIds] of spec.lists)
        if (qrels.has(queryId)) for (const docId of docIds) keep.add(docId);
    }
    return keep;
  };
}

type CandidateFields = Pick<EvalSet, "candidates" | "candidatesRanked" | "candidatesSource" | "docs">;

/** Builds the candidate lists and prunes `docs` to what they reference; appends warnings to parts. */
export function applyCandidates(parts: LoadedParts, spec: CandidatesSpec, depth?: number): CandidateFields {
  const cut = (ids: string[]) => (depth === undefined ? ids : ids.slice(0, depth));
  if (spec.kind === "native") {
    if (parts.candidates === undefined) return { docs: parts.docs };
    const candidates = new Map([...parts.candidates].map(([q, ids]) => [q, cut(ids)] as const));
    return {
      candidates,
      candidatesRanked: false,
      candidatesSource: parts.candidatesSource,
      docs: pruned(parts.docs, candidates),
    };
  }

  const candidates = new Map<string, string[]>();
  if (spec.kind === "qrels") {
    for (const [queryId, judged] of parts.qrels) {
      if (!parts.queries.has(queryId)) continue;
      const present = [...judged.keys()].filter((docId) => parts.docs.has(docId));
      if (present.length > 0) candidates.set(queryId, cut(labelBlindOrder(queryId, present)));
    }
    return {
      candidates,
      candidatesRanked: false,
      candidatesSource: "qrels",
      docs: pruned(parts.docs, candidates),
    };
  }

  let unjudged = 0;
  let missingDocs = 0;
  const queriesMissingDocs = new Set<string>();
  for (const [queryId, docIds] of spec.lists) {
    if (!parts.queries.has(queryId) || !parts.qrels.has(queryId)) {
      unjudged++;
      continue;
    }
    // Already cut to depth by resolveCandidates.
    const present = docIds.filter((docId) => parts.docs.has(docId));
    if (present.length < docIds.length) {
      missingDocs += docIds.length - present.length;
      queriesMissingDocs.add(queryId);
    }
    if (present.length > 0) candidates.set(queryId, present);
  }
  const withoutCandidates = [...parts.queries.keys()].filter((q) => parts.qrels.has(q) && !candidates.has(q));
  if (unjudged > 0)
    parts.warnings.push(
      `${count(unjudged, "ranked query", "ranked queries")} in ${spec.path} ${agree(unjudged, "has", "have")} ` +
        `no judgements and ${agree(unjudged, "is", "are")} left out`,
    );
  if (missingDocs > 0)
    parts.warnings.push(
      `${count(missingDocs, "candidate")} (${count(queriesMissingDocs.size, "query", "queries")}) in ` +
        `${spec.path} ${agree(missingDocs, "references a document", "reference documents")} missing from the ` +
        `corpus and ${agree(missingDocs, "is", "are")} dropped`,
    );
  if (withoutCandidates.length > 0)
    parts.warnings.push(
      `${count(withoutCandidates.length, "judged query", "judged queries")} ` +
        `${agree(withoutCandidates.length, "has", "have")} no candidates in ${spec.path} ` +
        "(scored 0 when every judged query counts)",
    );
  return {
    candidates,
    candidatesRanked: true,
    candidatesSource: `run:${spec.path}`,
    docs: pruned(parts.docs, candidates),
  };
}

function pruned(docs: Map<string, Doc>, candidates: Map<string, string[]>): Map<string, Doc> {
  const kept = new Map<string, Doc>();
  for (const docIds of candidates.values())
    for (const docId of docIds) {
      const doc = docs.get(docId);
      if (doc !== undefined) kept.set(docId, doc);
    }
  return kept;
}
