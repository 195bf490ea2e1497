/**
 * manifest.json: what a run was asked to do, written before its first request. With results.jsonl
 * and the judgements (qrels.txt) it is enough to rebuild the report without the API (`report DIR`),
 * and it is what resume and shard merges check a folder against. It holds no secret (key variables
 * are named, never read) and no document text: per query only its id and its candidate ids in order.
 * The zod schema is the type: a manifest read back is checked field by field.
 */
import { access } from "node:fs/promises";
import { z } from "zod";
import { InputError } from "../errors.js";
import { readTextFile } from "../trec/lines.js";

/** Node's longest string is about 512 MiB: a larger manifest could not be parsed as one JSON text. */
const MAX_MANIFEST_BYTES = 512 * 1024 * 1024;

export const MANIFEST_SCHEMA_VERSION = 1;

const count = z.number().int().min(0);

export const DatasetInfoSchema = z.object({
  name: z.string(),
  /** As the user gave it. */
  path: z.string(),
  format: z.string(),
  /** sha256 over the input files (the loader's). */
  fingerprint: z.string(),
  /** Queries evaluated (after sampling). */
  queries: count,
  /** Judged (query, document) pairs of the evaluated queries. */
  judged: count,
  /** Documents loaded; loaders keep only the candidates' documents when candidates are known. */
  documents: count,
  judgedQueries: count,
  sample: z.object({ size: count, seed: z.number().int(), of: count }).nullable(),
});

/** The effective configuration, with key variables named but never a key value, paths absolute. */
export const RunConfigRecordSchema = z.object({
  dataset: z.record(z.string(), z.unknown()),
  models: z.array(z.record(z.string(), z.unknown())),
  topN: z.array(z.number().int().positive()),
  concurrency: z.number().int().positive(),
  rps: z.number().positive().nullable(),
  k: z.array(z.number().int().positive()),
  measures: z.array(z.string()),
  maxFailures: count,
  sample: z.number().int().positive().nullable(),
  seed: z.number().int(),
  complete: z.boolean(),
  skipQueriesWithoutRelevant: z.boolean(),
  /** The response cache's folder (absolute) as given, false for --no-cache, absent for the default. */
  cache: z.union([z.string(), z.literal(false)]).optional(),
});

export const CandidatesInfoSchema = z.object({
  source: z.string(),
  /** The judged pool hands every relevant document to the reranker: its figures are optimistic. */
  optimistic: z.boolean(),
  depth: z.number().int().positive().nullable(),
  /** Longest candidate list after the cut: the depth of the ceiling R@depth. */
  maxCandidates: count,
  /** Candidates that name a document the set has no text for (skipped, counted). */
  missingDocuments: count,
  /** A first stage the run computed itself (--first-stage), with its settings and time; absent otherwise. */
  firstStage: z
    .object({
      method: z.literal("bm25"),
      k1: z.number(),
      b: z.number(),
      depth: z.number().int().positive(),
      ignoreIdenticalIds: z.boolean(),
      /** Wall time: queries read, corpus streamed into the index, retrieval (of the session that planned the run). */
      seconds: z.number(),
      indexSeconds: z.number(),
      retrieveSeconds: z.number(),
    })
    .optional(),
});

export const ManifestVariantSchema = z.object({
  /** Unique, file-name safe: `<model name>.top<N>`, `<model name>` or `first-stage`. */
  id: z.string().regex(/^[A-Za-z0-9._-]+$/),
  kind: z.enum(["rerank", "first-stage"]),
  /** The configured display name (the id for first-stage). */
  name: z.string(),
  /** The model id sent to the API; null for first-stage. */
  model: z.string().nullable(),
  provider: z.string().nullable(),
  /** "embedded", or the URL without credentials, query or fragment. */
  endpoint: z.string().nullable(),
  topN: z.number().int().positive().nullable(),
  /** The candidates this variant sends, when several depths are variants (--depth 20 --depth 100). */
  depth: z.number().int().positive().optional(),
  /** Provider options as configured, secret-looking fields blanked. */
  options: z.record(z.string(), z.unknown()),
  /** What the model costs as billed (perSearchUnit, per1kRequests, perMillionTokens, currency), if given. */
  price: z
    .object({
      perSearchUnit: z.number().min(0).optional(),
      per1kRequests: z.number().min(0).optional(),
      perMillionTokens: z.number().min(0).optional(),
      currency: z.string().optional(),
    })
    .nullable(),
});

/**
 * `run --shard i/n`: which part of the unsharded plan this folder holds, and what `merge` needs to
 * prove the shards add up to it (size and ordered-id hash of that plan, each query's position in it).
 */
export const ShardInfoSchema = z.object({
  index: z.number().int().positive(),
  count: z.number().int().positive(),
  /** Queries of the unsharded plan (after sampling). */
  planQueries: count,
  /** sha256 of the unsharded plan's query ids as a JSON array, in plan order. */
  planIdsHash: z.string(),
  /** Per query of `queries`, its 0-based position in the unsharded plan. */
  ordinals: z.array(count),
  /** How many of `warnings` come from loading the dataset (the same in every shard). */
  datasetWarnings: count,
});

/** A folder `rerank-eval merge` made from shards: each shard's part and timing. */
export const MergedInfoSchema = z.object({
  shards: z.array(
    z.object({
      index: z.number().int().positive(),
      queries: count,
      createdAt: z.string(),
      /** The shard's rerank phase, first request to last answer, s. */
      rerankSeconds: z.number(),
      totalSeconds: z.number(),
    }),
  ),
});

export const ManifestSchema = z.object({
  schemaVersion: z.literal(MANIFEST_SCHEMA_VERSION),
  tool: z.object({ name: z.string(), version: z.string() }),
  createdAt: z.string(),
  config: RunConfigRecordSchema,
  dataset: DatasetInfoSchema,
  candidates: CandidatesInfoSchema,
  /** What the report scores by default; `report DIR --measures` may choose others. */
  scoring: z.object({
    measures: z.array(z.string()).min(1),
    headline: z.array(z.string()),
    k: z.array(z.number().int().positive()).min(1),
    complete: z.boolean(),
    maxFailures: count,
    /** The variant the others are compared with; null: the first stage if there is one, else the first. */
    baseline: z.string().nullable(),
    /** How the comparisons' p-values are corrected for their number. */
    correction: z.enum(["holm", "bh"]).default("holm"),
  }),
  variants: z.array(ManifestVariantSchema).min(1),
  /**
   * Judged queries without a relevant document (grade >= 1): every measure is 0 for them whatever
   * the ranking. Skipped (listed, not sent, not scored) or planned like the others.
   */
  withoutRelevant: z.object({ skipped: z.boolean(), queries: z.array(z.string()) }),
  /** In plan order: the order of run files and failure lists. */
  queries: z.array(
    z.object({
      qid: z.string(),
      candidates: z.array(z.string()),
      /** The query's first words, when the candidates are not the judged pool (the report's holes table). */
      text: z.string().optional(),
    }),
  ),
  /** Findings of loading and planning (missing documents, unjudged queries, …). */
  warnings: z.array(z.string()),
  /** Present in a shard's folder (`run --shard i/n`). */
  shard: ShardInfoSchema.optional(),
  /** Present in a folder `rerank-eval merge` wrote. */
  merged: MergedInfoSchema.optional(),
  /** Present in a folder `rerank-eval load` wrote, from its start: its steps are its variants. */
  load: z.literal(true).optional(),
});

export type Manifest = z.infer<typeof ManifestSchema>;
export type ManifestVariant = z.infer<typeof ManifestVariantSchema>;
export type DatasetInfo = z.infer<typeof DatasetInfoSchema>;
export type RunConfigRecord = z.infer<typeof RunConfigRecordSchema>;
export type CandidatesInfo = z.infer<typeof CandidatesInfoSchema>;
export type ShardInfo = z.infer<typeof ShardInfoSchema>;
export type MergedInfo = z.infer<typeof MergedInfoSchema>;

/**
 * A load's manifest says so from the load's start (`load: true`). One written before that field
 * is known by its steps as variants (`step1-200rps`, "bm25 @ 200/s"), which its report ends with: a
 * run's variant ids come from model names and top_n, which would have to mimic both.
 */
export function isLoadManifest(manifest: Manifest): boolean {
  if (manifest.load) return true;
  const rerank = manifest.variants.filter((v) => v.kind === "rerank");
  return (
    rerank.length > 0 &&
    rerank.every((v) => /^step\d+-[0-9._]+rps$/.test(v.id) && / @ [0-9.]+\/s$/.test(v.name))
  );
}

export async function readManifest(path: string): Promise<Manifest> {
  try {
    await access(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(
      code === "ENOENT"
        ? "no such file: not a run folder of rerank-eval 0.2 or later"
        : `cannot read the manifest (${code ?? "error"})`,
      { file: path },
    );
  }
  // Through the readers' own checks: a regular file, bounded (a manifest holds ids, never texts).
  const text = await readTextFile(path, {
    maxBytes: MAX_MANIFEST_BYTES,
    what: "a run folder's manifest.json",
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InputError(`not valid JSON (${(err as Error).message})`, { file: path });
  }
  return checkWithSchema(ManifestSchema, value, path);
}

/**
 * A zod check whose failure is one line naming the first wrong field by its path
 * (`variants.2.topN`), the way every file error of the project reads.
 */
export function checkWithSchema<T extends z.ZodType>(schema: T, value: unknown, file: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = [...issue.path];
  if (issue.code === "unrecognized_keys") path.push(issue.keys[0]);
  throw new InputError(issue.code === "unrecognized_keys" ? "unknown key" : issue.message, {
    file,
    field: path.map(String).join(".") || "(top level)",
  });
}
