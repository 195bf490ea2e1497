/**
 * Planning: which variants (model × top_n, plus the first-stage baseline), which queries (all judged
 * queries or a seeded sample) and which candidates each query sends. Pure: no I/O, no network.
 */
import { createHash } from "node:crypto";
import type { Doc, EvalSet } from "../datasets/types.js";
import { UsageError } from "../errors.js";
import { taskKey } from "../results/record.js";
import type { ModelSpec } from "./config.js";

export interface Variant {
  /** Unique, file-name safe: `<model name>.top<N>`, `<model name>` (no top_n) or `first-stage`. */
  id: string;
  kind: "rerank" | "first-stage";
  model?: ModelSpec;
  topN?: number;
}

export interface PlannedQuery {
  qid: string;
  text: string;
  /** Candidate doc ids in candidate order (only ids whose document text is known). */
  docIds: string[];
  /**
   * The set's documents, where taskCandidates reads the texts when a task is sent: a plan holds no
   * texts, so a run's memory does not grow with them (datasets/store.ts).
   */
  docs: ReadonlyMap<string, Doc>;
}

export interface Plan {
  variants: Variant[];
  queries: PlannedQuery[];
  /** Judged queries of the dataset before sampling. */
  judgedQueries: number;
  /** Queries without a relevant document: left out and listed, or planned (and scoring 0). */
  withoutRelevant: { skipped: boolean; queries: string[] };
  sample?: { size: number; seed: number; of: number };
  /** The cut applied to every candidate list, when one was asked for. */
  depth?: number;
  /** Longest candidate list after the cut: the depth of the ceiling R@depth. */
  maxCandidates: number;
  candidatesSource: string;
  /** The judged pool hands every relevant document to the reranker: its figures are optimistic. */
  optimistic: boolean;
  /** Candidates that name a document the set has no text for (skipped, counted). */
  missingDocuments: number;
}

export interface PlanInput {
  evalSet: EvalSet;
  models: ModelSpec[];
  topN: number[];
  depth?: number;
  sample?: number;
  seed: number;
  skipWithoutRelevant?: boolean;
}

export function planRun(input: PlanInput): Plan {
  const { evalSet } = input;
  const candidates = evalSet.candidates;
  if (!candidates) {
    throw new UsageError(
      `dataset '${evalSet.name}' has no candidate lists: pass --candidates run.trec (a first-stage run) ` +
        "or --candidates qrels (the judged pool; optimistic)",
    );
  }
  // Queries come from the qrels (metrics.md): ranked-but-unjudged queries would not be scored anyway.
  const judged = [...evalSet.qrels.keys()].filter((qid) => evalSet.queries.has(qid));
  // A query whose judgements hold no relevant document scores 0 in every measure, whatever the ranking.
  const withoutRelevant = judged.filter(
    (qid) => ![...(evalSet.qrels.get(qid)?.values() ?? [])].some((g) => g >= 1),
  );
  const skipped = new Set(input.skipWithoutRelevant ? withoutRelevant : []);
  const scored = skipped.size ? judged.filter((qid) => !skipped.has(qid)) : judged;
  const chosen = input.sample !== undefined ? sampleQueries(scored, input.sample, input.seed) : scored;
  const kept = new Set(chosen);

  let missingDocuments = 0;
  let maxCandidates = 0;
  const queries: PlannedQuery[] = chosen.map((qid) => {
    let ids = candidates.get(qid) ?? [];
    if (input.depth !== undefined) ids = ids.slice(0, input.depth);
    const docIds: string[] = [];
    for (const id of ids) {
      if (!evalSet.docs.has(id)) {
        missingDocuments++;
        continue;
      }
      docIds.push(id);
    }
    maxCandidates = Math.max(maxCandidates, docIds.length);
    return { qid, text: evalSet.queries.get(qid) ?? "", docIds, docs: evalSet.docs };
  });

  const variants: Variant[] = [];
  if (evalSet.candidatesRanked) variants.push({ id: "first-stage", kind: "first-stage" });
  const ids = new Set(variants.map((v) => v.id));
  for (const model of input.models) {
    const tops: (number | undefined)[] = input.topN.length ? input.topN : [undefined];
    for (const topN of tops) {
      const id = variantId(model.name, topN);
      if (ids.has(id)) throw new UsageError(`two variants share the id '${id}'; rename a model`);
      ids.add(id);
      variants.push({ id, kind: "rerank", model, ...(topN === undefined ? {} : { topN }) });
    }
  }

  const source = evalSet.candidatesSource ?? "dataset";
  return {
    variants,
    queries,
    judgedQueries: judged.length,
    withoutRelevant: {
      skipped: input.skipWithoutRelevant === true,
      // The ones among the planned queries, or all that were left out.
      queries: input.skipWithoutRelevant ? withoutRelevant : withoutRelevant.filter((q) => kept.has(q)),
    },
    ...(input.sample !== undefined
      ? { sample: { size: queries.length, seed: input.seed, of: scored.length } }
      : {}),
    ...(input.depth !== undefined ? { depth: input.depth } : {}),
    maxCandidates,
    candidatesSource: source,
    optimistic: source === "qrels",
    missingDocuments,
  };
}

/** `<name>.top<N>`, with anything outside [A-Za-z0-9._-] replaced so the id can name a file. */
export function variantId(name: string, topN?: number): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, "_");
  return topN === undefined ? safe : `${safe}.top${topN}`;
}

/**
 * A reproducible subset: order the query ids by sha256(seed:qid) and keep the first n, in dataset
 * order. Hashing each id (instead of shuffling the list) keeps a query's membership independent of
 * the others, so a sample of n is contained in the sample of n+1 for the same seed.
 */
export function sampleQueries(qids: string[], n: number, seed: number): string[] {
  if (n >= qids.length) return [...qids];
  const keyed = qids.map((qid) => ({
    qid,
    key: createHash("sha256").update(`${seed}:${qid}`).digest("hex"),
  }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const keep = new Set(keyed.slice(0, n).map((x) => x.qid));
  return qids.filter((qid) => keep.has(qid));
}

export interface Task {
  /** taskKey(variant id, qid): how the results on disk name this task. */
  key: string;
  variant: Variant;
  query: PlannedQuery;
}

/**
 * What one task sends: its query's candidate ids and texts, as the variant takes them. The one
 * place a task's documents are read, for the call, its record and the cache check. The texts are
 * read (from the set's file, for a big set) only when `documents` is asked for, each time: a caller
 * that needs the ids alone reads nothing, and no text outlives its request.
 */
export function taskCandidates(task: Task): { docIds: string[]; documents: string[] } {
  const { docIds, docs } = task.query;
  return {
    docIds,
    get documents() {
      return documentTexts(docs, docIds);
    },
  };
}

/** Title and text joined by a space, as BEIR's own cross-encoder reranking does. */
function documentTexts(docs: ReadonlyMap<string, Doc>, docIds: string[]): string[] {
  return docIds.map((id) => {
    const doc = docs.get(id);
    if (doc === undefined) throw new Error(`document '${id}' was planned but is not in the set`);
    return doc.title ? `${doc.title} ${doc.text}` : doc.text;
  });
}

/** The tasks in query-major order, so every variant sees the same load over the run. */
export function* tasksOf(plan: Plan): Generator<Task> {
  for (const query of plan.queries) {
    for (const variant of plan.variants) yield { key: taskKey(variant.id, query.qid), variant, query };
  }
}

/** Above this, a run would open more sockets than most systems allow a process (ulimit -n 1024). */
export const MAX_CONCURRENCY = 1000;

/**
 * The concurrency a run actually uses: never more than its API tasks (the rest would idle, and the
 * report would claim a load that never happened) nor MAX_CONCURRENCY; a cut is said once.
 */
export function effectiveConcurrency(
  requested: number,
  tasks: number,
): { concurrency: number; warning?: string } {
  const cap = Math.min(MAX_CONCURRENCY, Math.max(tasks, 1));
  if (requested <= cap) return { concurrency: requested };
  const why =
    cap === MAX_CONCURRENCY && tasks > MAX_CONCURRENCY
      ? `more requests in flight than most systems allow a process; the cap is ${MAX_CONCURRENCY}`
      : `more than the run's ${tasks} API tasks`;
  return { concurrency: cap, warning: `concurrency ${requested} is ${why}: ran at ${cap}` };
}
