/**
 * The run configuration: a YAML or JSON file and command-line flags over it. Both are checked by
 * the one schema generated from RUN_OPTIONS (options.ts): the file when it is read, then the file
 * and flags once merged, so a value is judged the same way wherever it was written. Relative paths
 * in a config file are relative to the file's folder (as tsconfig and docker compose read theirs),
 * so a config runs the same from any working directory; flags stay relative to the working directory.
 */
import { dirname, isAbsolute, join } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { InputError, UsageError } from "../errors.js";
import { readTextFile } from "../trec/index.js";
import { type FlagOrigins, fill, isRecord, mergeFlags } from "./merge-flags.js";
import type { Kind } from "./option-kinds.js";
import {
  type DatasetEntry,
  MODEL_KEYS,
  type ModelEntry,
  RUN_OPTIONS,
  type RunConfigFile,
  RunConfigSchema,
  type RunFlags,
  type RunOptionKey,
} from "./options.js";

export type { DatasetEntry, ModelEntry, RunConfigFile, RunFlags };

/** One model to evaluate, with everything the rerank client needs (no secret: only the key's variable). */
export interface ModelSpec extends Omit<ModelEntry, "model" | "provider"> {
  name: string;
  model: string;
  provider: string;
  /** At most this many connections to the endpoint (`load --connections`); not a config file field. */
  connections?: number;
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
  /** Queries without a relevant document are listed, not sent and not scored. */
  skipQueriesWithoutRelevant: boolean;
  /** The variant the others are compared with (default: first-stage, else the first). */
  baseline?: string;
  /** Holm (default) or Benjamini–Hochberg over the report's comparisons. */
  correction: "holm" | "bh";
  /** The response cache's folder (default: the user's cache folder); false: no cache. */
  cache?: string | false;
  /** Call again for every task and overwrite the cached answers. */
  refresh: boolean;
  /** Answers only from the cache; tasks without one fail the run before any call. */
  offline: boolean;
  /** `i/n` or `auto` (resolved into i/n when the run starts: shard.ts). */
  shard?: string;
  /** The count of `--shard auto`. */
  shardCount?: number;
}

/** A config is a page of settings; a bigger file is a wrong path (a dataset, a device). */
const MAX_CONFIG_BYTES = 1 << 20;
/**
 * Aliases expanded when the YAML is turned into values: a few dozen in a real config, while a
 * "billion laughs" file expands a handful of them into millions of nodes. (The yaml package's own
 * default is 100 too; it is set here so the bound is ours and its error is caught below.)
 */
const MAX_ALIAS_COUNT = 100;

/** Read and validate a config file. Errors name the file, the line when known, and the field path. */
export async function loadRunConfig(path: string): Promise<RunConfigFile> {
  const text = await readTextFile(path, {
    maxBytes: MAX_CONFIG_BYTES,
    what: "a YAML or JSON config file",
  }).catch((err: unknown) => {
    if (err instanceof InputError && err.reason === "no such file")
      throw new InputError("cannot read the config file (does it exist?)", { file: path });
    throw err;
  });
  const lineCounter = new LineCounter();
  // YAML 1.2 is a superset of JSON, so one parser serves both and gives line numbers for each.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax) {
    const line = syntax.linePos?.[0]?.line ?? lineCounter.linePos(syntax.pos[0]).line;
    throw new InputError(`not valid YAML/JSON: ${syntax.message.split("\n")[0]}`, { file: path, line });
  }
  let input: unknown;
  try {
    input = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    // yaml throws a ReferenceError past maxAliasCount; nothing else is expected once parsing succeeded.
    if (!(err instanceof ReferenceError)) throw err;
    throw new InputError(
      `too many alias expansions (more than ${MAX_ALIAS_COUNT}: a YAML alias bomb?); write the values out`,
      { file: path },
    );
  }
  const result = RunConfigSchema.safeParse(input);
  if (result.success) return rebasePaths(result.data, dirname(path));
  const { path: at, field, message, got } = explain(result.error, input);
  // The deepest node of the path that the file has: a value the schema reshaped still has a line.
  let line: number | undefined;
  for (let n = at.length; n >= 0 && line === undefined; n--) {
    const node = doc.getIn(at.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) line = lineCounter.linePos(node.range[0]).line;
  }
  throw new InputError(message + got, { file: path, line, field });
}

/** The file's relative paths (the options whose kind is a path) made relative to `base` instead. */
function rebasePaths(c: RunConfigFile, base: string): RunConfigFile {
  const rebase = (key: RunOptionKey, value: unknown) => {
    const isPath = (RUN_OPTIONS[key].kind as Kind).isPath;
    return typeof value === "string" && isPath?.(value) && !isAbsolute(value) ? join(base, value) : value;
  };
  const out: Record<string, unknown> = { ...c };
  for (const key of Object.keys(RUN_OPTIONS) as RunOptionKey[]) {
    const scope = RUN_OPTIONS[key].scope;
    if (scope === "top" && out[key] !== undefined) out[key] = rebase(key, out[key]);
  }
  if (typeof c.dataset === "string") out.dataset = rebase("dataset", c.dataset);
  else {
    const dataset: Record<string, unknown> = { ...c.dataset, path: rebase("dataset", c.dataset.path) };
    for (const key of Object.keys(RUN_OPTIONS) as RunOptionKey[]) {
      if (RUN_OPTIONS[key].scope === "dataset" && dataset[key] !== undefined)
        dataset[key] = rebase(key, dataset[key]);
    }
    out.dataset = dataset;
  }
  return out as RunConfigFile;
}

/**
 * Merge a validated config (optional) with the flags, flags winning field by field, then check the
 * result with the config's own schema. A bad value from a flag is a UsageError naming the flag as
 * typed; one from the file is an InputError naming its field.
 */
export function resolveRunOptions(file: RunConfigFile | undefined, flags: RunFlags): RunOptions {
  return resolve(file, flags, "cli");
}

/**
 * A run's options as the library takes them: the config file's shape, every field optional but
 * the dataset and the models, with the CLI's defaults, checked by the same schema; errors name
 * the option (`field 'topN'`), never a flag. Options already resolved pass through unchanged.
 */
export function runOptionsOf(config: RunConfig | RunOptions): RunOptions {
  if (RESOLVED in config) return config as RunOptions;
  return resolve(config as RunConfigFile, {}, "library");
}

/** The library's input: what a config file holds, as an object. */
export type RunConfig = z.input<typeof RunConfigSchema>;

/** Marks options that came out of resolve(), so runOptionsOf does not check them twice. */
const RESOLVED = Symbol("rerank-eval resolved run options");

function resolve(file: RunConfigFile | undefined, flags: RunFlags, from: "cli" | "library"): RunOptions {
  const { merged, origins } = mergeFlags(file, flags);
  const dataset = merged.dataset as unknown;
  const datasetPath = typeof dataset === "object" ? (dataset as { path?: unknown } | null)?.path : dataset;
  if (!datasetPath)
    throw from === "cli"
      ? new UsageError("no dataset: pass --dataset PATH or --config FILE with a 'dataset' entry")
      : new InputError("is required (a path, or {path, format, candidates, …})", { field: "dataset" });
  if (merged.models === undefined || (Array.isArray(merged.models) && merged.models.length === 0))
    throw from === "cli"
      ? new UsageError("no model: pass --model NAME (repeatable) or list 'models' in the config")
      : new InputError("needs at least one model (a name, or {name, provider, endpoint, …})", {
          field: "models",
        });
  const result = RunConfigSchema.safeParse(merged);
  if (!result.success) throw mergedError(result.error, merged, origins);
  const options = effectiveOptions(result.data);
  // A symbol key: no JSON, no Object.keys, but it survives a spread ({...options, out}).
  return Object.assign(options, { [RESOLVED]: true });
}

function effectiveOptions(c: RunConfigFile): RunOptions {
  const models = (c.models ?? []).map((entry) => modelSpec(entry, c));
  const names = new Set<string>();
  for (const m of models) {
    if (names.has(m.name))
      throw new UsageError(`model '${m.name}' is listed twice; give each entry its own name`);
    names.add(m.name);
  }
  return {
    dataset: typeof c.dataset === "string" ? { path: c.dataset } : oneDepthAsNumber(c.dataset),
    models,
    topN: [...new Set(asList(c.topN) ?? [])].sort((a, b) => a - b),
    concurrency: c.concurrency ?? RUN_OPTIONS.concurrency.default,
    k: [...new Set(asList(c.k) ?? RUN_OPTIONS.k.default)].sort((a, b) => a - b),
    maxFailures: c.maxFailures ?? RUN_OPTIONS.maxFailures.default,
    seed: c.seed ?? RUN_OPTIONS.seed.default,
    complete: c.complete ?? RUN_OPTIONS.complete.default,
    skipQueriesWithoutRelevant:
      c.skipQueriesWithoutRelevant ?? RUN_OPTIONS.skipQueriesWithoutRelevant.default,
    correction: c.correction ?? RUN_OPTIONS.correction.default,
    refresh: c.refresh ?? RUN_OPTIONS.refresh.default,
    offline: c.offline ?? RUN_OPTIONS.offline.default,
    ...defined({
      cache: c.cache,
      rps: c.rps,
      measures: asList(c.measures),
      out: c.out,
      sample: c.sample,
      baseline: c.baseline,
      shard: c.shard,
      shardCount: c.shardCount,
    }),
  };
}

/** `--depth 20` records `depth: 20` as before; several depths stay a list (each a variant dimension). */
function oneDepthAsNumber(d: DatasetEntry): DatasetEntry {
  return Array.isArray(d.depth) && new Set(d.depth).size === 1 ? { ...d, depth: d.depth[0] } : d;
}

/** An entry's own settings (flags are already in them) win; top-level ones fill what it leaves out. */
function modelSpec(entry: string | ModelEntry, c: RunConfigFile): ModelSpec {
  const e: ModelEntry = typeof entry === "string" ? { name: entry } : entry;
  const filled = Object.fromEntries(MODEL_KEYS.map((key) => [key, fill(RUN_OPTIONS[key], c[key], e[key])]));
  return {
    ...e,
    ...defined(filled),
    name: e.name,
    model: e.model ?? e.name,
    provider: e.provider ?? c.provider ?? RUN_OPTIONS.provider.default,
  };
}

/** A bad value of the merged config: blame the flag that set it, else the file's field. */
function mergedError(error: z.ZodError, merged: unknown, origins: FlagOrigins): Error {
  const { path, field, message, got } = explain(error, merged);
  for (let n = path.length; n > 0; n--) {
    const origin = origins.get(path.slice(0, n).join("."));
    if (origin) return new UsageError(`${origin.flag} ${message}, got '${origin.given}'`);
  }
  // Only a config built in code gets here (loadRunConfig checked the file's values), so no line.
  return new InputError(message + got, { field });
}

interface Explained {
  path: PropertyKey[];
  field: string;
  message: string;
  /** The value, when there is one to show: ", got 0". */
  got: string;
}

/** The one issue worth reporting, as a field path and a one-line message. */
function explain(error: z.ZodError, input: unknown): Explained {
  // A misspelt key explains the missing one next to it, so report it first.
  const issue = error.issues.find((i) => i.code === "unrecognized_keys") ?? innermost(error.issues[0]);
  const path = [...issue.path];
  if (issue.code === "unrecognized_keys") {
    path.push(issue.keys[0]);
    return { path, field: fieldName(path), message: "unknown key", got: "" };
  }
  const value = valueAt(input, path);
  if (value === undefined)
    return {
      path,
      field: fieldName(path),
      message: issue.code === "invalid_type" ? "is required" : issue.message,
      got: "",
    };
  return { path, field: fieldName(path), message: issue.message, got: `, got ${brief(value)}` };
}

/** A union's failure is explained by the branch the value was meant for: the one whose type fit. */
function innermost(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== "invalid_union") return issue;
  const fits = issue.errors.find((b) => !b.some((i) => i.code === "invalid_type" && i.path.length === 0));
  if (!fits?.length) return issue;
  const inner = innermost(fits.find((i) => i.code === "unrecognized_keys") ?? fits[0]);
  return { ...inner, path: [...issue.path, ...inner.path] };
}

function fieldName(path: PropertyKey[]): string {
  return path.map(String).join(".") || "(top level)";
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let v = input;
  for (const key of path)
    v = isRecord(v) || Array.isArray(v) ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

function brief(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function asList<T>(v: T | readonly T[] | undefined): T[] | undefined {
  return v === undefined ? undefined : Array.isArray(v) ? [...v] : [v as T];
}

/** Drop undefined values so spreading never overwrites a value with undefined. */
function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
