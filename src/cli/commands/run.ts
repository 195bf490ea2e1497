import { join } from "node:path";
import type { Argv, CommandModule } from "yargs";
import { TooManyFailures, UsageError } from "../../errors.js";
import { headlineTable } from "../../report/markdown.js";
import type { Report } from "../../report/types.js";
import { loadRunConfig, type RunFlags, resolveRunOptions } from "../../run/config.js";
import { runEvaluation } from "../../run/index.js";

/**
 * The arguments as yargs parses them: it adds a camelCase copy of every dashed flag (topN for
 * --top-n), so these are RunFlags' own names; only the repeatable lists are still raw strings.
 */
type RunArgs = Omit<RunFlags, "model" | "topN" | "k" | "measures"> & {
  model?: string[];
  topN?: string[];
  k?: string[];
  measures?: string[];
  quiet?: boolean;
};

/** Single-value flags, by kind (RunFlags names). */
const TEXT_FLAGS = [
  "config",
  "dataset",
  "format",
  "split",
  "candidates",
  "provider",
  "endpoint",
  "apiKeyEnv",
  "out",
] as const;
const NUMBER_FLAGS = ["depth", "sample", "seed", "concurrency", "rps", "retries", "maxFailures"] as const;

export const runCommand: CommandModule<object, RunArgs> = {
  command: "run",
  describe: "rerank a labelled set through one or more rerank APIs and write Markdown/JSON reports",
  builder: (y: Argv) =>
    y
      .option("config", { type: "string", describe: "YAML or JSON config file (flags override it)" })
      .option("dataset", { type: "string", describe: "CSV file, BEIR folder or MTEB JSONL" })
      .option("format", { type: "string", describe: "force the dataset format: csv, beir, trec, mteb" })
      .option("split", { type: "string", describe: "BEIR qrels split (default test)" })
      .option("candidates", {
        type: "string",
        describe: "a TREC run as candidate lists, or 'qrels' (judged pool, optimistic)",
      })
      .option("depth", { type: "number", describe: "keep the top N candidates per query" })
      .option("sample", { type: "number", describe: "evaluate a reproducible subset of N queries" })
      .option("seed", { type: "number", describe: "seed of --sample (default 0)" })
      .option("model", {
        type: "string",
        array: true,
        describe: "model name (repeatable; variants = models × top_n)",
      })
      .option("top-n", {
        type: "string",
        array: true,
        describe: "top_n value (repeatable or comma-separated)",
      })
      .option("provider", { type: "string", describe: "API dialect (default regolo)" })
      .option("endpoint", {
        type: "string",
        describe:
          "full URL of the rerank route, or 'embedded' (the reference server in-process; regolo or cohere)",
      })
      .option("api-key-env", { type: "string", describe: "environment variable holding the API key" })
      .option("concurrency", {
        alias: "j",
        type: "number",
        describe: "requests in flight, shared by all variants (default 8)",
      })
      .option("rps", {
        type: "number",
        describe:
          "cap on requests per second, shared by all variants (paces each query's call; retries back off on their own)",
      })
      .option("retries", {
        type: "number",
        describe: "retries per request after the first attempt (default 3)",
      })
      .option("k", {
        type: "string",
        array: true,
        describe: "cut-offs for the default measures (default 1,3,5,10)",
      })
      .option("measures", {
        type: "string",
        array: true,
        describe: "measures, e.g. nDCG@10,RR@10,AP (replaces the defaults)",
      })
      .option("out", { type: "string", describe: "output folder (default reports/<dataset>-<timestamp>)" })
      .option("max-failures", {
        type: "number",
        describe:
          "failed (variant, query) tasks tolerated, summed over variants; above it the report is still written, then exit 3 (default 0)",
      })
      .option("complete", {
        type: "boolean",
        describe:
          "failed queries count 0 (trec_eval -c; default); --no-complete leaves them out of the means",
      })
      .option("quiet", { type: "boolean", describe: "no progress output" })
      .example("$0 run --config examples/demo.yaml", "the demo: embedded bm25 and tfidf at top_n 3 and 10")
      .example(
        "$0 run --dataset datasets/tiny-beir --candidates datasets/tiny-beir/run.trec --model bm25 --endpoint embedded",
        "rerank a first-stage run; its order is scored as the first-stage baseline",
      )
      .example(
        "$0 run --dataset my.csv --model Qwen3-Reranker-4B --top-n 5 --top-n 20 -j 16 --max-failures 3",
        "regolo (default provider, key from REGOLO_API_KEY), two top_n settings",
      ) as unknown as Argv<RunArgs>,
  handler: async (argv) => {
    const flags = toFlags(argv);
    const file = argv.config ? await loadRunConfig(argv.config) : undefined;
    const options = resolveRunOptions(file, flags);
    const { report, outDir } = await runEvaluation(options, { quiet: argv.quiet === true });
    printSummary(report, outDir);
    if (report.failures.exceeded) {
      // A provider's message may span lines; the exit line stays one line.
      const example = report.variants
        .flatMap((v) => Object.values(v.failures.examples))[0]
        ?.replace(/\s*\n\s*/g, " ");
      throw new TooManyFailures(
        `${report.failures.count} (variant, query) tasks failed after their retries ` +
          `(max-failures ${report.failures.maxFailures}), e.g. ${example}; the report lists them: ${join(outDir, "report.md")}`,
        outDir,
      );
    }
  },
};

/** The headline table and where the report is: what a run (or a rebuilt report) leaves on stdout. */
export function printSummary(report: Report, outDir: string): void {
  const c = report.candidates;
  const incomplete = report.incomplete
    ? `incomplete: ${report.incomplete.missing.length} of ${report.incomplete.tasks} tasks never ran\n`
    : "";
  process.stdout.write(
    `\n${headlineTable(report)}\n\n` +
      `${report.dataset.queries} queries, candidate ceiling ${c.ceiling.measure} = ${c.ceiling.mean.toFixed(4)}` +
      `${c.optimistic ? " (judged pool: optimistic)" : ""}; rerank phase ${report.timing.rerankSeconds.toFixed(2)} s\n` +
      incomplete +
      `report: ${join(outDir, "report.md")}\n`,
  );
}

function toFlags(a: RunArgs): RunFlags {
  const flags: RunFlags = {
    model: splitList("--model", a.model),
    topN: numbers("--top-n", a.topN),
    k: numbers("--k", a.k),
    measures: splitList("--measures", a.measures),
    complete: once("complete", a.complete) as boolean | undefined,
  };
  for (const key of TEXT_FLAGS) {
    const v = once(dashed(key), a[key]) as string | undefined;
    if (v === "") throw new UsageError(`--${dashed(key)} needs a value`);
    flags[key] = v;
  }
  for (const key of NUMBER_FLAGS) {
    const v = once(dashed(key), a[key]) as number | undefined;
    // A bare number flag (`-j` with nothing after it) parses as present but undefined.
    if (v === undefined && key in a) throw new UsageError(`--${dashed(key)} needs a value`);
    if (v !== undefined && !Number.isFinite(v)) throw new UsageError(`--${dashed(key)} must be a number`);
    flags[key] = v;
  }
  return flags;
}

/** The flag as typed: apiKeyEnv → api-key-env. */
function dashed(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * yargs turns a repeated single-value flag into an array; taking the first or the last would
 * silently drop what the user typed, so say which flag was repeated instead.
 */
function once(flag: string, value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  throw new UsageError(`--${flag} was given ${value.length} times (${value.join(", ")}); give it once`);
}

/** Repeatable flags also accept comma-separated lists: --top-n 3,10 equals --top-n 3 --top-n 10. */
function splitList(flag: string, values: (string | number)[] | undefined): string[] | undefined {
  if (!values) return undefined;
  const out = values
    .flatMap((v) => String(v).split(","))
    .map((s) => s.trim())
    .filter(Boolean);
  if (out.length === 0) throw new UsageError(`${flag} needs a value`);
  return out;
}

function numbers(flag: string, values: (string | number)[] | undefined): number[] | undefined {
  const parts = splitList(flag, values);
  if (!parts) return undefined;
  return parts.map((p) => {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got '${p}'`);
    return n;
  });
}
