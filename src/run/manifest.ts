/**
 * The run's manifest, built from the effective options, the loaded set and the plan: what the run
 * was asked to do, in the durable form results/ defines (no secret, no document text, paths
 * absolute so the folder still says which files it read when it is opened from elsewhere).
 */
import { isAbsolute, resolve } from "node:path";
import type { EvalSet } from "../datasets/types.js";
import { idsWithWhitespace } from "../report/trec.js";
import { MANIFEST_SCHEMA_VERSION, type Manifest, type RunConfigRecord } from "../results/manifest.js";
import { agree, count } from "../text/words.js";
import { VERSION } from "../version.js";
import type { RunOptions } from "./config.js";
import type { FirstStageInfo } from "./first-stage.js";
import type { Plan } from "./plan.js";
import { safeConfigValue, safeEndpoint } from "./secrets.js";
import { shardNote } from "./shard.js";

export interface ManifestInput {
  options: RunOptions;
  evalSet: EvalSet;
  plan: Plan;
  measures: string[];
  headline: string[];
  /** Model name → the endpoint its calls go to ("embedded", or the URL in use). */
  endpoints: Map<string, string>;
  createdAt: string;
  /** The first stage the run computed (--first-stage), if it did. */
  firstStage?: FirstStageInfo;
  /** Findings of the run's own (a concurrency cut), after the dataset's and the plan's. */
  warnings?: string[];
  /** A load's folder. */
  load?: boolean;
}

export function buildManifest(input: ManifestInput): Manifest {
  const { options, evalSet, plan } = input;
  const qids = plan.queries.map((q) => q.qid);
  let judged = 0;
  for (const qid of qids) judged += evalSet.qrels.get(qid)?.size ?? 0;
  const warnings = [
    ...evalSet.warnings,
    ...planWarnings({
      missingDocuments: plan.missingDocuments,
      queries: plan.queries.map((q) => ({ qid: q.qid, candidates: q.docIds })),
      withoutRelevant: plan.withoutRelevant,
    }),
  ];
  const shard = plan.shard && { ...plan.shard, datasetWarnings: evalSet.warnings.length };
  if (shard) warnings.push(shardNote(shard));
  warnings.push(...(input.warnings ?? []));
  return {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    tool: { name: "rerank-eval", version: VERSION },
    createdAt: input.createdAt,
    config: configRecord(options, input.measures),
    dataset: {
      name: evalSet.name,
      path: evalSet.path,
      format: evalSet.format,
      fingerprint: evalSet.fingerprint,
      queries: plan.queries.length,
      judged,
      documents: evalSet.docs.size,
      judgedQueries: plan.judgedQueries,
      sample: plan.sample ?? null,
    },
    candidates: {
      source: plan.candidatesSource,
      optimistic: plan.optimistic,
      depth: plan.depth ?? null,
      maxCandidates: plan.maxCandidates,
      missingDocuments: plan.missingDocuments,
      ...(input.firstStage ? { firstStage: input.firstStage } : {}),
    },
    scoring: {
      measures: input.measures,
      headline: input.headline,
      k: options.k,
      complete: options.complete,
      maxFailures: options.maxFailures,
      baseline: options.baseline ?? null,
      correction: options.correction,
    },
    variants: plan.variants.map((v) => {
      const m = v.model;
      return {
        id: v.id,
        kind: v.kind,
        name: m?.name ?? v.id,
        model: m?.model ?? null,
        provider: m?.provider ?? null,
        endpoint: m ? (input.endpoints.get(m.name) ?? null) : null,
        topN: v.topN ?? null,
        ...(v.depth !== undefined ? { depth: v.depth } : {}),
        options: (safeConfigValue(m?.options ?? {}) as Record<string, unknown>) ?? {},
        price: m?.price ?? null,
      };
    }),
    withoutRelevant: plan.withoutRelevant,
    // Not the judged pool: the report lists unjudged documents placed high, with their query's first words.
    queries: plan.queries.map((q) =>
      plan.optimistic
        ? { qid: q.qid, candidates: q.docIds }
        : { qid: q.qid, candidates: q.docIds, text: firstWords(q.text) },
    ),
    warnings,
    ...(shard ? { shard } : {}),
    ...(input.load ? { load: true as const } : {}),
  };
}

/** The first 8 words of a text, at most 60 characters: enough to recognise a query. */
export function firstWords(text: string): string {
  const words = text.trim().split(/\s+/).slice(0, 8).join(" ");
  return words.length > 60 ? `${words.slice(0, 59)}…` : words;
}

/**
 * The findings of planning, from the manifest's own fields: a merge of shards states them again
 * over the joined plan (shard.ts), so they read as an unsharded run's would.
 */
export function planWarnings(
  m: Pick<Manifest, "queries" | "withoutRelevant"> & { missingDocuments: number },
): string[] {
  const warnings: string[] = [];
  const qids = m.queries.map((q) => q.qid);
  if (m.missingDocuments)
    warnings.push(`${m.missingDocuments} candidates name documents without text (skipped)`);
  const badIds = idsWithWhitespace([...qids, ...m.queries.flatMap((q) => q.candidates)]);
  if (badIds)
    warnings.push(
      `${badIds} query or document ids are empty or contain whitespace: the TREC files cannot represent them`,
    );
  const none = m.withoutRelevant.queries.length;
  if (none && m.withoutRelevant.skipped)
    warnings.push(
      `${count(none, "query has", "queries have")} no relevant document and ${agree(none, "was", "were")} left out (--skip-queries-without-relevant); report.json lists them`,
    );
  else if (none)
    warnings.push(
      `${none} of ${qids.length} queries have no relevant document: they score 0 in every measure whatever ` +
        `the ranking, so no mean can exceed ${((qids.length - none) / qids.length).toFixed(4)} ` +
        "(--skip-queries-without-relevant leaves them out and lists them)",
    );
  return warnings;
}

function configRecord(o: RunOptions, measures: string[]): RunConfigRecord {
  const dataset = { ...o.dataset, path: absolute(o.dataset.path) };
  if (dataset.candidates !== undefined && dataset.candidates !== "qrels")
    dataset.candidates = absolute(dataset.candidates);
  return {
    dataset: safeConfigValue(dataset) as Record<string, unknown>,
    models: o.models.map(
      (m) =>
        safeConfigValue({ ...m, ...(m.endpoint ? { endpoint: safeEndpoint(m.endpoint) } : {}) }) as Record<
          string,
          unknown
        >,
    ),
    topN: o.topN,
    concurrency: o.concurrency,
    rps: o.rps ?? null,
    k: o.k,
    measures,
    maxFailures: o.maxFailures,
    sample: o.sample ?? null,
    seed: o.seed,
    complete: o.complete,
    skipQueriesWithoutRelevant: o.skipQueriesWithoutRelevant,
    ...(o.cache !== undefined ? { cache: o.cache === false ? false : absolute(o.cache) } : {}),
  };
}

function absolute(path: string): string {
  return isAbsolute(path) ? path : resolve(path);
}
