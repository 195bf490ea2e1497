/**
 * Every option of a run, stated once: its config-file name, its flag, its help and its zod type.
 * The config file's schema and the yargs options of `rerank-eval run` are both generated from
 * RUN_OPTIONS, and flags merged over a file are checked by that same schema (config.ts), so a flag
 * and its config field cannot drift apart. The shape follows vitest's cli-config: one table, several
 * consumers.
 */
import { z } from "zod";
import { DEFAULT_PROVIDER } from "../rerank/client.js";
import {
  correction,
  csvColumns,
  delimiter,
  envName,
  firstStage,
  format,
  instruction,
  integer,
  type Kind,
  nonEmptyText,
  nonNegativeInteger,
  onOff,
  path,
  positiveInteger,
  positiveNumber,
  price,
  providerOptions,
  text,
} from "./option-kinds.js";
import { parseShard, SHARD_RULE } from "./shard.js";

/**
 * Where an option lives in the config file:
 * - top: a top-level field; a flag replaces it.
 * - dataset: a field of the `dataset` entry; a flag replaces it.
 * - model: a setting of each model, in a `models` entry or at the top level (filling what entries
 *   leave out); a flag sets it for every model, over the entries.
 * - structure: the file's skeleton (the dataset's path, the list of models); their schemas are
 *   composed below by hand, since they hold the fields of the dataset and model scopes.
 * - command: a flag only (which file to read, how to print).
 */
export type Scope = "top" | "dataset" | "model" | "structure" | "command";

export interface RunOptionDef {
  scope: Scope;
  description: string;
  kind: Kind;
  /** The flag when it is not the key in kebab-case: a list's flag is singular (--model). */
  flag?: string;
  alias?: string;
  /**
   * list: the flag repeats and takes comma-separated values; the file takes a value or a list.
   * pairs: the flag repeats, one key=value each; the file takes a map.
   */
  repeat?: "list" | "pairs";
  /** Applied when neither the file nor a flag sets it; shown in --help. */
  default?: unknown;
}

/** The response cache's folder, or false for none (`--no-cache`, `cache: false`). */
const cacheFolder: Kind<z.ZodType<string | false>> = {
  schema: z.union([nonEmptyText, z.literal(false)], { error: "must be a folder, or false for no cache" }),
  label: "folder",
  read: (text) => text,
  isPath: () => true,
};

/** `i/n` (1-based) or `auto` (Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX); shard.ts resolves it. */
const shardKind: Kind<z.ZodType<string>> = {
  schema: z
    .string({ error: SHARD_RULE })
    .refine((v) => v === "auto" || parseShard(v) !== undefined, { error: SHARD_RULE }),
  label: "i/n or auto",
  read: (text) => text,
};

/** Keys are config-file names. The order is --help's: groups (by scope) appear as their first row does. */
export const RUN_OPTIONS = {
  config: {
    scope: "command",
    kind: text("file"),
    description: "YAML or JSON config file (flags override it, field by field)",
  },
  quiet: { scope: "command", kind: onOff, description: "no progress output" },
  resume: {
    scope: "command",
    kind: path("folder"),
    description:
      "continue the unfinished run in this folder: only its missing (or failed) tasks are sent; takes only flags on how calls are made (--api-key-env, -j, --rps, deadlines, caps, cache)",
  },
  overwrite: {
    scope: "command",
    kind: onOff,
    description: "clear an unfinished run found in --out instead of refusing to",
  },
  failFast: {
    scope: "command",
    kind: onOff,
    default: true,
    description:
      "stop a variant whose first 5 tasks all fail the same way (401, 403, 404, 422, connection refused, host not found) or that fails 20 tasks in a row; --no-fail-fast keeps going",
  },
  dataset: {
    scope: "structure",
    kind: path("path"),
    description:
      "CSV file, BEIR folder, TREC qrels or MTEB JSONL; a path other than the config's drops its dataset settings",
  },
  format: {
    scope: "dataset",
    kind: format,
    description: "force the dataset format (default: detected from the path)",
  },
  split: { scope: "dataset", kind: text("name"), description: "BEIR qrels split (default test)" },
  candidates: {
    scope: "dataset",
    kind: path("path or 'qrels'", (v) => v !== "qrels"),
    description: "a TREC run as candidate lists, or 'qrels' (judged pool, optimistic)",
  },
  depth: {
    scope: "dataset",
    repeat: "list",
    kind: positiveInteger,
    description:
      "keep the top N candidates per query; several depths (--depth 20 --depth 100) make depth a variant dimension",
  },
  firstStage: {
    scope: "dataset",
    kind: firstStage,
    description:
      "candidates from a first stage run here: bm25 over a BEIR folder's corpus (k1 0.9, b 0.4), top --depth (default 100)",
  },
  ignoreIdenticalIds: {
    scope: "dataset",
    kind: onOff,
    description: "with --first-stage: drop a document whose id equals the query id (BEIR's convention)",
  },
  columns: {
    scope: "dataset",
    kind: csvColumns,
    description:
      "CSV column names, e.g. query=question,doc_id=pid,document=passage,label=relevance (keys query_id, query, " +
      "doc_id, document, title, label); replaces the config's dataset.columns",
  },
  delimiter: {
    scope: "dataset",
    kind: delimiter,
    description: "CSV field delimiter (default: detected from the header line: comma, semicolon or tab)",
  },
  models: {
    scope: "structure",
    flag: "model",
    repeat: "list",
    kind: text("name"),
    description: "model name (variants = models × top_n); replaces the config's models",
  },
  provider: { scope: "model", kind: text("name"), default: DEFAULT_PROVIDER, description: "API dialect" },
  endpoint: {
    scope: "model",
    kind: text("URL"),
    description:
      "full URL of the rerank route, or 'embedded' (the reference server in-process; regolo or cohere)",
  },
  apiKeyEnv: {
    scope: "model",
    kind: envName,
    description: "environment variable holding the API key (default REGOLO_API_KEY)",
  },
  retries: {
    scope: "model",
    kind: nonNegativeInteger,
    description: "retries per request after a 5xx or network failure (default 3; 429s: --rate-limit-wait-ms)",
  },
  timeoutMs: {
    scope: "model",
    kind: positiveInteger,
    description: "deadline of each attempt: connect, headers and the whole body, in ms (default 60000)",
  },
  taskTimeoutMs: {
    scope: "model",
    kind: positiveInteger,
    description: "deadline of each query's call across its retries and waits, in ms (default 600000)",
  },
  rateLimitWaitMs: {
    scope: "model",
    kind: nonNegativeInteger,
    description:
      "time a request may spend waiting out 429s (Retry-After honoured up to 120 s each), in ms (default 300000)",
  },
  maxAnswerBytes: {
    scope: "model",
    kind: positiveInteger,
    description: "largest answer read; a larger one fails that query, in bytes (default 67108864, 64 MiB)",
  },
  maxDocsPerRequest: {
    scope: "model",
    kind: positiveInteger,
    description: "split a query's candidates into requests of at most N documents (default: the provider's)",
  },
  maxRequestBytes: {
    scope: "model",
    kind: positiveInteger,
    description: "split requests whose body would exceed N bytes (default: the provider's)",
  },
  qwen3Instruction: {
    scope: "model",
    kind: instruction,
    description:
      "wrap query and documents in Qwen3-Reranker instruction tags: bare for the default instruction, or give one",
  },
  options: {
    scope: "model",
    flag: "option",
    repeat: "pairs",
    kind: providerOptions,
    description:
      "provider option, value read as JSON when it parses (e.g. truncate=END); merged key by key over the config's",
  },
  price: {
    scope: "model",
    repeat: "pairs",
    kind: price,
    description:
      "what the model costs, as billed: perSearchUnit=2 (Cohere: a query of up to 100 documents), per1kRequests=N or perMillionTokens=N; gives cost per 1,000 queries",
  },
  sample: { scope: "top", kind: positiveInteger, description: "evaluate a reproducible subset of N queries" },
  seed: { scope: "top", kind: integer, default: 0, description: "seed of --sample" },
  baseline: {
    scope: "top",
    kind: text("variant id"),
    description:
      "the variant every other is compared with, e.g. bm25.top10 (default: first-stage when there is one, else the first listed)",
  },
  correction: {
    scope: "top",
    kind: correction,
    default: "holm",
    description:
      "how the p-values of the report's comparisons are corrected for their number: holm (family-wise) or bh (Benjamini–Hochberg, false discovery rate)",
  },
  skipQueriesWithoutRelevant: {
    scope: "top",
    kind: onOff,
    default: false,
    description:
      "leave out (and list) the queries that have no relevant document: they score 0 whatever the ranking, so they only lower every mean",
  },
  topN: {
    scope: "top",
    repeat: "list",
    kind: positiveInteger,
    description:
      "top_n values, one variant per model and value (default: none, the API ranks all candidates)",
  },
  concurrency: {
    scope: "top",
    alias: "j",
    kind: positiveInteger,
    default: 8,
    description: "requests in flight, shared by all variants",
  },
  rps: {
    scope: "top",
    kind: positiveNumber,
    description:
      "cap on requests per second, shared by all variants (paces each query's call; retries back off on their own)",
  },
  k: {
    scope: "top",
    repeat: "list",
    kind: positiveInteger,
    default: [1, 3, 5, 10],
    description: "cut-offs for the default measures",
  },
  measures: {
    scope: "top",
    repeat: "list",
    kind: text("measure"),
    description: "measures, e.g. nDCG@10,RR@10,AP (replaces the defaults)",
  },
  shard: {
    scope: "top",
    kind: shardKind,
    description:
      "run one shard of the queries (a stable hash partition, after --sample): 2/3 is the second of three; auto takes the index from JOB_COMPLETION_INDEX (0-based) and the count from --shard-count or RERANK_EVAL_SHARD_COUNT; join the shards with `rerank-eval merge`",
  },
  shardCount: {
    scope: "top",
    kind: positiveInteger,
    description: "the shard count of --shard auto (default: RERANK_EVAL_SHARD_COUNT)",
  },
  out: {
    scope: "top",
    kind: path("folder"),
    description: "output folder (default reports/<dataset>-<timestamp>)",
  },
  maxFailures: {
    scope: "top",
    kind: nonNegativeInteger,
    default: 0,
    description:
      "failed (variant, query) tasks tolerated, summed over variants; above it the report is still written, then exit 3",
  },
  complete: {
    scope: "top",
    kind: onOff,
    default: true,
    description: "failed queries count 0 (trec_eval -c); --no-complete leaves them out of the means",
  },
  cache: {
    scope: "top",
    kind: cacheFolder,
    description:
      "response cache folder (default: the user's cache folder, ~/.cache/rerank-eval on Linux); --no-cache neither reads nor writes one",
  },
  refresh: {
    scope: "top",
    kind: onOff,
    default: false,
    description: "call the API for every task again and overwrite the cached answers",
  },
  offline: {
    scope: "top",
    kind: onOff,
    default: false,
    description:
      "answers only from the cache: the run fails (exit 2) before any call when a task has no cached answer",
  },
} as const satisfies Record<string, RunOptionDef>;

type Defs = typeof RUN_OPTIONS;
export type RunOptionKey = keyof Defs;
type Item<K extends RunOptionKey> = z.output<Defs[K]["kind"]["schema"]>;
type KeysIn<S extends Scope> = { [K in RunOptionKey]: Defs[K]["scope"] extends S ? K : never }[RunOptionKey];
type FileValue<K extends RunOptionKey> = Defs[K] extends { repeat: "list" } ? Item<K> | Item<K>[] : Item<K>;
type FileFields<S extends Scope> = { [K in KeysIn<S>]: z.ZodOptional<z.ZodType<FileValue<K>>> };

/** The config-file fields of one scope, each optional. */
function fileFields<S extends Scope>(scope: S): FileFields<S> {
  const fields = Object.entries(RUN_OPTIONS as Record<string, RunOptionDef>)
    .filter(([, def]) => def.scope === scope)
    .map(([key, def]) => {
      const item = def.kind.schema;
      const schema = def.repeat === "list" ? z.union([item, z.array(item).min(1)]) : item;
      return [key, schema.optional()];
    });
  return Object.fromEntries(fields) as FileFields<S>;
}

/** A `models` entry: its name, the id sent to the API, and the table's per-model settings. */
const ModelEntrySchema = z.strictObject({
  /** Display name and, unless `model` is set, the model id sent to the API. */
  name: nonEmptyText,
  model: nonEmptyText.optional(),
  ...fileFields("model"),
});

const DatasetSchema = z.strictObject({ path: nonEmptyText, ...fileFields("dataset") });

/** The config file. Model settings at the top level apply to every model that leaves them out. */
export const RunConfigSchema = z.strictObject({
  dataset: z.union([nonEmptyText, DatasetSchema]),
  models: z
    .array(
      z.union([nonEmptyText, ModelEntrySchema], { error: "must be a model name or a {name, ...} entry" }),
    )
    .min(1, { error: "needs at least one model" })
    .optional(),
  ...fileFields("top"),
  ...fileFields("model"),
});

export type RunConfigFile = z.infer<typeof RunConfigSchema>;
export type ModelEntry = z.infer<typeof ModelEntrySchema>;
export type DatasetEntry = z.infer<typeof DatasetSchema>;

/** The keys of the per-model settings, for filling a model from the top level. */
export const MODEL_KEYS = Object.keys(RUN_OPTIONS).filter(
  (key) => RUN_OPTIONS[key as RunOptionKey].scope === "model",
) as KeysIn<"model">[];

/** One flag of `run`, as the command line and RunFlags name it. */
export interface RunFlagDef {
  key: RunOptionKey;
  /** As typed, without dashes: top-n. */
  flag: string;
  /** camelCase, as yargs and RunFlags name it: topN. */
  name: string;
  def: RunOptionDef;
}

export const RUN_FLAGS: readonly RunFlagDef[] = Object.entries(
  RUN_OPTIONS as Record<string, RunOptionDef>,
).map(([key, def]) => {
  const flag = def.flag ?? key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const name = flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return { key: key as RunOptionKey, flag, name, def };
});

type Camel<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;
type FlagName<K extends RunOptionKey> = Defs[K] extends { flag: infer F extends string } ? Camel<F> : K;
/** Library callers pass values; the CLI passes the text typed, which the option's kind reads. */
type FlagValue<K extends RunOptionKey> =
  Item<K> extends boolean
    ? boolean
    : Defs[K] extends { repeat: "list" }
      ? (Item<K> | string)[]
      : Defs[K] extends { repeat: "pairs" }
        ? string[] | Item<K>
        : Item<K> | string;

/** Flags as the CLI parsed them (or a library caller set them); undefined means "not given". */
export type RunFlags = { [K in RunOptionKey as FlagName<K>]?: FlagValue<K> };
