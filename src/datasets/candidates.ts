/**
 * The candidates option, the same for every format: a TREC run (ranked, cut to `depth`), the judged
 * pool ("qrels", in a label-blind order), or the format's own lists. Documents no list references
 * are dropped so that a big corpus costs memory only for what will be reranked.
 */
import { InputError, UsageError } from "../errors.js";
import { agree, count } from "../text/words.js";
import { readRun } from "../trec/index.js";
import type { ReadLimits } from "../trec/types.js";
import type { KeepDocs } from "./beir.js";
import { requireFile } from "./files.js";
import { labelBlindOrder } from "./ids.js";
import type { LoadedParts } from "./parts.js";
import type { DocStore } from "./store.js";
import type { EvalSet } from "./types.js";

export type CandidatesSpec =
  | { kind: "native" }
  | { kind: "qrels" }
  | { kind: "run"; path: string; lists: Map<string, string[]> };

export function checkDepth(depth: number | undefined): void {
  if (depth !== undefined && !(Number.isSafeInteger(depth) && depth >= 1))
    throw new UsageError(`depth must be a positive integer, got ${depth}`);
}

/** Reads the run first, so a corpus can be filtered while it streams. */
export async function resolveCandidates(
  option: string | undefined,
  depth?: number,
  limits: ReadLimits = {},
): Promise<CandidatesSpec> {
  if (option === undefined) return { kind: "native" };
  if (option === "qrels") return { kind: "qrels" };
  await requireFile(option, "a TREC run file: qid Q0 docid rank score tag");
  // readRun rejects a document listed twice for one query, with its line. Given a depth it puts each
  // ranking in trec order and cuts it while streaming (strings only for the documents kept); an
  // unbounded depth keeps every document, so the lists are never sorted a second time.
  const run = await readRun(option, { depth: depth ?? Number.POSITIVE_INFINITY, ...limits });
  if (run.size === 0)
    throw new InputError("no rankings (expected lines `qid Q0 docid rank score tag`)", { file: option });
  const lists = new Map([...run].map(([queryId, ranking]) => [queryId, ranking.docIds] as const));
  return { kind: "run", path: option, lists };
}

/** The set the candidates are for, as messages name it: its path and, when apart, its judgements. */
export interface SetLabel {
  path: string;
  /** "qrels split 'test'", "qrels q.txt"; absent when the set's own file holds the labels. */
  judgements?: string;
}

/**
 * A run that ranks none of the set's judged queries (a dev-split run given with the test split, ids
 * from another collection) would score every query 0 and look like a result: it is an input error
 * that shows a few ids of each side, so the mismatch is visible at a glance.
 */
function requireOverlap(spec: CandidatesSpec & { kind: "run" }, judged: string[], set: SetLabel): void {
  const judgedIds = new Set(judged);
  if (judged.length === 0 || [...spec.lists.keys()].some((q) => judgedIds.has(q))) return;
  throw new InputError(
    `shares no query id with ${set.path}${set.judgements ? ` (${set.judgements})` : ""}: ` +
      `the run ranks ${sample([...spec.lists.keys()], "query", "queries")}, the set judges ${sample(judged)}`,
    { file: spec.path },
  );
}

/** "3 (q1, q2, q3)", "12 queries (q1, q2, q3, …)": a count and the first few ids. */
function sample(ids: string[], singular?: string, plural?: string): string {
  const shown = ids.slice(0, 3).join(", ");
  const n = singular ? count(ids.length, singular, plural) : String(ids.length);
  return `${n} (${shown}${ids.length > 3 ? ", …" : ""})`;
}

/**
 * For BEIR: the documents worth keeping once the qrels are known (undefined: keep all). A run that
 * shares no query with the qrels is refused here, before the corpus (the long read) is streamed.
 */
export function docsToKeep(spec: CandidatesSpec, set: SetLabel): KeepDocs | undefined {
  if (spec.kind === "native") return undefined;
  return (qrels) => {
    if (spec.kind === "run") requireOverlap(spec, [...qrels.keys()], set);
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
export function applyCandidates(
  parts: LoadedParts,
  spec: CandidatesSpec,
  set: SetLabel,
  depth?: number,
): CandidateFields {
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

  const judged = [...parts.queries.keys()].filter((q) => parts.qrels.has(q));
  requireOverlap(spec, judged, set);
  const setName = `${set.path}${set.judgements ? ` (${set.judgements})` : ""}`;
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
  // The same all-zero table from the other side: the queries match, the documents do not.
  if (candidates.size === 0) {
    const examples = [...queriesMissingDocs].flatMap((q) => spec.lists.get(q) ?? []).slice(0, 3);
    throw new InputError(
      `none of the documents it ranks for the set's queries is in ${set.path} (e.g. '${examples.join("', '")}'): ` +
        "are the run and the set from the same collection?",
      { file: spec.path },
    );
  }
  const withoutCandidates = judged.filter((q) => !candidates.has(q));
  // Some overlap, not all: worth a warning with the counts (the report lists warnings, and the run
  // prints them at its end), since the means are over the judged queries whatever the run ranks.
  if (unjudged > 0)
    parts.warnings.push(
      `${unjudged} of the ${count(spec.lists.size, "query", "queries")} ranked in ${spec.path} ` +
        `${agree(unjudged, "has", "have")} no judgements in ${setName} and ${agree(unjudged, "is", "are")} left out`,
    );
  if (missingDocs > 0)
    parts.warnings.push(
      `${count(missingDocs, "candidate")} (${count(queriesMissingDocs.size, "query", "queries")}) in ` +
        `${spec.path} ${agree(missingDocs, "references a document", "reference documents")} missing from the ` +
        `corpus and ${agree(missingDocs, "is", "are")} dropped`,
    );
  if (withoutCandidates.length > 0)
    parts.warnings.push(
      `${withoutCandidates.length} of the ${count(judged.length, "judged query", "judged queries")} ` +
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

function pruned(docs: DocStore, candidates: Map<string, string[]>): DocStore {
  return docs.only(
    (function* () {
      for (const docIds of candidates.values()) yield* docIds;
    })(),
  );
}
