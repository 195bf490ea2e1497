/**
 * The run configuration: a YAML or JSON file (validated with zod) and command-line flags that
 * override it. Relative paths stay relative to the working directory (like the flags), so
 * `examples/demo.yaml` can name `datasets/capitals.csv` and be run from the repository root.
 */
import { readFile, stat } from "node:fs/promises";
import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { InputError, UsageError } from "../errors.js";
import { DEFAULT_PROVIDER } from "../rerank/client.js";

const positiveInt = z.number().int().positive();
const FORMATS = ["csv", "beir", "trec", "mteb"] as const;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const ModelEntrySchema = z.strictObject({
  /** Display name and, unless `model` is set, the model id sent to the API. */
  name: z.string().min(1),
  model: z.string().min(1).optional(),
  provider: z.string().min(1).optional(),
  /** Full URL of the rerank route, or "embedded" for the in-process reference server. */
  endpoint: z.string().min(1).optional(),
  apiKeyEnv: z.string().regex(ENV_NAME, "must be an environment variable name").optional(),
  retries: z.number().int().min(0).optional(),
  timeoutMs: positiveInt.optional(),
  maxDocsPerRequest: positiveInt.optional(),
  maxRequestBytes: positiveInt.optional(),
  qwen3Instruction: z.union([z.boolean(), z.string()]).optional(),
  options: z.record(z.string(), z.unknown()).optional(),
});

const DatasetSchema = z.strictObject({
  path: z.string().min(1),
  format: z.enum(FORMATS).optional(),
  split: z.string().min(1).optional(),
  candidates: z.string().min(1).optional(),
  depth: positiveInt.optional(),
  columns: z
    .strictObject({
      queryId: z.string().optional(),
      query: z.string().optional(),
      docId: z.string().optional(),
      document: z.string().optional(),
      title: z.string().optional(),
      label: z.string().optional(),
    })
    .optional(),
});

const listOf = <T extends z.ZodType>(item: T) => z.union([item, z.array(item).min(1)]);

const RunConfigSchema = z.strictObject({
  dataset: z.union([z.string().min(1), DatasetSchema]),
  models: z
    .array(z.union([z.string().min(1), ModelEntrySchema]))
    .min(1)
    .optional(),
  topN: listOf(positiveInt).optional(),
  provider: z.string().min(1).optional(),
  endpoint: z.string().min(1).optional(),
  apiKeyEnv: ModelEntrySchema.shape.apiKeyEnv,
  retries: z.number().int().min(0).optional(),
  concurrency: positiveInt.optional(),
  rps: z.number().positive().optional(),
  k: listOf(positiveInt).optional(),
  measures: listOf(z.string().min(1)).optional(),
  out: z.string().min(1).optional(),
  maxFailures: z.number().int().min(0).optional(),
  sample: positiveInt.optional(),
  seed: z.number().int().optional(),
  complete: z.boolean().optional(),
});

export type RunConfigFile = z.infer<typeof RunConfigSchema>;
export type ModelEntry = z.infer<typeof ModelEntrySchema>;
export type DatasetEntry = z.infer<typeof DatasetSchema>;

/** One model to evaluate, with everything the rerank client needs (no secret: only the key's variable). */
export interface ModelSpec {
  name: string;
  model: string;
  provider: string;
  /** A URL, "embedded", or undefined for the provider's public endpoint. */
  endpoint?: string;
  apiKeyEnv?: string;
  retries?: number;
  timeoutMs?: number;
  maxDocsPerRequest?: number;
  maxRequestBytes?: number;
  qwen3Instruction?: boolean | string;
  options?: Record<string, unknown>;
}

/** The effective options of one run, after the file and the flags are merged. */
export interface RunOptions {
  dataset: DatasetEntry;
  models: ModelSpec[];
  /** top_n values; empty means one variant per model without top_n (the API ranks all candidates). */
  topN: number[];
  concurrency: number;
  rps?: number;
  k: number[];
  measures?: string[];
  out?: string;
  maxFailures: number;
  sample?: number;
  seed: number;
  /** trec_eval -c (default true): a failed query counts 0 instead of leaving the mean. */
  complete: boolean;
}

/** Flags as the CLI parsed them; undefined means "not given". */
export interface RunFlags {
  config?: string;
  dataset?: string;
  format?: string;
  split?: string;
  candidates?: string;
  depth?: number;
  sample?: number;
  seed?: number;
  model?: string[];
  topN?: number[];
  provider?: string;
  endpoint?: string;
  apiKeyEnv?: string;
  concurrency?: number;
  rps?: number;
  retries?: number;
  k?: number[];
  measures?: string[];
  out?: string;
  maxFailures?: number;
  complete?: boolean;
}

const DEFAULT_K = [1, 3, 5, 10];
const DEFAULT_CONCURRENCY = 8;

/** Read and validate a config file. Errors name the file, the line when known, and the field path. */
export async function loadRunConfig(path: string): Promise<RunConfigFile> {
  let text: string;
  try {
    if ((await stat(path)).isDirectory())
      throw new InputError("is a directory, expected a YAML or JSON file", { file: path });
    text = await readFile(path, "utf8");
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError("cannot read the config file (does it exist?)", { file: path });
  }
  const lineCounter = new LineCounter();
  // YAML 1.2 is a superset of JSON, so one parser serves both and gives line numbers for each.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax) {
    const line = syntax.linePos?.[0]?.line ?? lineCounter.linePos(syntax.pos[0]).line;
    throw new InputError(`not valid YAML/JSON: ${syntax.message.split("\n")[0]}`, { file: path, line });
  }
  const result = RunConfigSchema.safeParse(doc.toJS());
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const fieldPath = [...issue.path];
  if (issue.code === "unrecognized_keys") fieldPath.push(issue.keys[0]);
  const field = fieldPath.map(String).join(".") || "(top level)";
  const node = doc.getIn(fieldPath, true) as { range?: [number, number, number] } | undefined;
  const line = node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  const reason = issue.code === "unrecognized_keys" ? "unknown key" : issue.message;
  throw new InputError(reason, { file: path, line, field });
}

/** Merge a validated config (optional) with the flags; flags win, field by field. */
export function resolveRunOptions(file: RunConfigFile | undefined, flags: RunFlags): RunOptions {
  const fileDataset: DatasetEntry | undefined =
    typeof file?.dataset === "string" ? { path: file.dataset } : file?.dataset;
  const datasetPath = flags.dataset ?? fileDataset?.path;
  if (!datasetPath)
    throw new UsageError("no dataset: pass --dataset PATH or --config FILE with a 'dataset' entry");
  // A different dataset on the command line does not inherit the file's format or candidates.
  const base =
    flags.dataset && flags.dataset !== fileDataset?.path ? { path: flags.dataset } : { ...fileDataset };
  const dataset: DatasetEntry = {
    ...base,
    path: datasetPath,
    ...defined({
      format: checkFormat(flags.format),
      split: flags.split,
      candidates: flags.candidates,
      depth: flags.depth === undefined ? undefined : checkPositive("--depth", flags.depth),
    }),
  };

  const defaults = {
    provider: flags.provider ?? file?.provider,
    endpoint: flags.endpoint ?? file?.endpoint,
    apiKeyEnv: flags.apiKeyEnv ?? file?.apiKeyEnv,
    retries: flags.retries ?? file?.retries,
  };
  const entries: (string | ModelEntry)[] = flags.model?.length ? flags.model : (file?.models ?? []);
  if (entries.length === 0)
    throw new UsageError("no model: pass --model NAME (repeatable) or list 'models' in the config");
  const models = entries.map((entry) => toModelSpec(entry, defaults, flags));
  const names = new Set<string>();
  for (const m of models) {
    if (names.has(m.name))
      throw new UsageError(`model '${m.name}' is listed twice; give each entry its own name`);
    names.add(m.name);
  }

  const topN = flags.topN?.length ? flags.topN.map((n) => checkPositive("--top-n", n)) : asList(file?.topN);
  const k = flags.k?.length ? flags.k.map((n) => checkPositive("--k", n)) : (asList(file?.k) ?? DEFAULT_K);
  const concurrency = flags.concurrency ?? file?.concurrency ?? DEFAULT_CONCURRENCY;
  checkPositive("--concurrency", concurrency);
  const rps = flags.rps ?? file?.rps;
  if (rps !== undefined && !(rps > 0)) throw new UsageError("--rps must be a positive number");
  const maxFailures = flags.maxFailures ?? file?.maxFailures ?? 0;
  if (!Number.isInteger(maxFailures) || maxFailures < 0)
    throw new UsageError("--max-failures must be an integer >= 0");
  const sample = flags.sample ?? file?.sample;
  if (sample !== undefined) checkPositive("--sample", sample);
  const seed = flags.seed ?? file?.seed ?? 0;
  if (!Number.isInteger(seed)) throw new UsageError("--seed must be an integer");

  return {
    dataset,
    models,
    topN: [...new Set(topN ?? [])].sort((a, b) => a - b),
    concurrency,
    k: [...new Set(k)].sort((a, b) => a - b),
    maxFailures,
    seed,
    complete: flags.complete ?? file?.complete ?? true,
    ...defined({
      rps,
      measures: flags.measures?.length ? flags.measures : asList(file?.measures),
      out: flags.out ?? file?.out,
      sample,
    }),
  };
}

function toModelSpec(
  entry: string | ModelEntry,
  defaults: { provider?: string; endpoint?: string; apiKeyEnv?: string; retries?: number },
  flags: RunFlags,
): ModelSpec {
  const e: ModelEntry = typeof entry === "string" ? { name: entry } : entry;
  // Flags override every model; top-level file values only fill what an entry leaves out.
  const spec: ModelSpec = {
    ...e,
    name: e.name,
    model: e.model ?? e.name,
    provider: flags.provider ?? e.provider ?? defaults.provider ?? DEFAULT_PROVIDER,
    ...defined({
      endpoint: flags.endpoint ?? e.endpoint ?? defaults.endpoint,
      apiKeyEnv: flags.apiKeyEnv ?? e.apiKeyEnv ?? defaults.apiKeyEnv,
      retries: flags.retries ?? e.retries ?? defaults.retries,
    }),
  };
  if (spec.apiKeyEnv !== undefined && !ENV_NAME.test(spec.apiKeyEnv)) {
    throw new UsageError(`--api-key-env '${spec.apiKeyEnv}' is not an environment variable name`);
  }
  if (spec.retries !== undefined && (!Number.isInteger(spec.retries) || spec.retries < 0)) {
    throw new UsageError("--retries must be an integer >= 0");
  }
  return spec;
}

function asList<T>(v: T | T[] | undefined): T[] | undefined {
  return v === undefined ? undefined : Array.isArray(v) ? v : [v];
}

function checkPositive(flag: string, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got '${n}'`);
  return n;
}

function checkFormat(format: string | undefined): DatasetEntry["format"] {
  if (format === undefined) return undefined;
  const f = FORMATS.find((x) => x === format);
  if (!f) throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, got '${format}'`);
  return f;
}

/** Drop undefined values so spreading never overwrites a value with undefined. */
function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
