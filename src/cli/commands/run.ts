import { join } from "node:path";
import type { Argv, CommandModule, Options } from "yargs";
import { Interrupted, TooManyFailures, UsageError } from "../../errors.js";
import { headlineTable } from "../../report/markdown.js";
import type { Report } from "../../report/types.js";
import { loadRunConfig, type RunFlags, resolveRunOptions } from "../../run/config.js";
import { type ResumeOverrides, type RunOutcome, resumeEvaluation, runEvaluation } from "../../run/index.js";
import { RunStop, stopOnSignals } from "../../run/interrupt.js";
import { envName, nonNegativeInteger, positiveInteger, positiveNumber } from "../../run/option-kinds.js";
import { RUN_FLAGS, type RunFlagDef, type Scope } from "../../run/options.js";
import { count } from "../../text/words.js";
import { flagValue, listOf, once } from "../flags.js";

/**
 * The arguments as yargs parses them: it adds a camelCase copy of every dashed flag (topN for
 * --top-n), so these are RunFlags' own names, each value still as typed.
 */
type RunArgs = { [K in keyof RunFlags]?: unknown } & { config?: string; quiet?: boolean };

/** --help groups, by where an option lives in the config file. */
const GROUPS: Record<Scope, string> = {
  command: "Command:",
  structure: "Dataset and models:",
  dataset: "Dataset and models:",
  model: "Each model (a flag applies to every model, over the config's entries):",
  top: "Run:",
};

/**
 * The yargs options of `run`, one per row of RUN_OPTIONS. Every value flag is a string to yargs:
 * the option's own kind reads the text, so the schema judges what was typed ("got 'abc'", not NaN).
 */
export function runFlagOptions(): Record<string, Options> {
  return Object.fromEntries(
    RUN_FLAGS.map((f): [string, Options] => [
      f.flag,
      {
        type: f.def.kind.switch ? "boolean" : "string",
        ...(f.def.repeat && { array: true }),
        ...(f.def.alias && { alias: f.def.alias }),
        describe: `${f.def.description} [${label(f)}]`,
        group: GROUPS[f.def.scope],
      },
    ]),
  );
}

/** What --help shows at the end of a description, in place of yargs' [string]: kind, repetition, default. */
function label({ def }: RunFlagDef): string {
  const parts = [def.kind.label];
  if (def.repeat === "list") parts.push("repeatable, comma-separated");
  if (def.repeat === "pairs") parts.push("repeatable");
  if (def.default !== undefined) parts.push(`default ${[def.default].flat().join(",")}`);
  return parts.join("; ");
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: "run",
  describe: "rerank a labelled set through one or more rerank APIs and write Markdown/JSON reports",
  builder: (y: Argv) =>
    // Types are in each description ([positive integer], not yargs' [string] for a text-read flag).
    (y as unknown as { usageConfiguration(c: object): Argv })
      .usageConfiguration({ "hide-types": true })
      .options(runFlagOptions())
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
    const quiet = argv.quiet === true;
    // Ctrl-C stops the run cleanly (interrupt.ts) instead of killing it mid-write.
    const stop = new RunStop();
    const unwatch = stopOnSignals(stop, (line) => process.stderr.write(`rerank-eval: ${line}\n`));
    let outcome: RunOutcome;
    try {
      const io = { quiet, stop, failFast: flags.failFast !== false, overwrite: flags.overwrite === true };
      if (flags.resume !== undefined) {
        outcome = await resumeEvaluation(String(flags.resume), resumeOverrides(flags), io);
      } else {
        const file = argv.config ? await loadRunConfig(argv.config) : undefined;
        const options = resolveRunOptions(file, flags);
        outcome = await runEvaluation(options, io);
      }
    } finally {
      unwatch();
    }
    const { report, outDir } = outcome;
    printSummary(report, outDir);
    const resume = `rerank-eval run --resume ${shellWord(outDir)}`;
    const progress = `${outcome.done} of ${outcome.tasks} tasks done, report (incomplete): ${join(outDir, "report.md")}`;
    if (outcome.interrupted)
      throw new Interrupted(`${progress}; continue with: ${resume}`, outcome.interrupted);
    if (outcome.stoppedVariants.length > 0) {
      const why = outcome.stoppedVariants.map((s) => `${s.variant}: ${s.kind}`).join(", ");
      throw new TooManyFailures(
        `fail fast stopped ${count(outcome.stoppedVariants.length, "variant")} (${why}); ${progress}; ` +
          `fix the cause and continue with: ${resume} (or run with --no-fail-fast)`,
        outDir,
      );
    }
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

/**
 * The flags a resumed run takes: how the calls are made (key, concurrency, pace, deadlines, caps,
 * the response cache); what is asked is the manifest's.
 */
const RESUME_FLAGS = new Set([
  "resume",
  "apiKeyEnv",
  "concurrency",
  "rps",
  "timeoutMs",
  "taskTimeoutMs",
  "rateLimitWaitMs",
  "maxAnswerBytes",
  "cache",
  "refresh",
  "offline",
  "quiet",
  "failFast",
]);

function resumeOverrides(flags: RunFlags): ResumeOverrides {
  for (const f of RUN_FLAGS) {
    if ((flags as Record<string, unknown>)[f.name] !== undefined && !RESUME_FLAGS.has(f.name))
      throw new UsageError(
        `${f.flag.length === 1 ? "-" : "--"}${f.flag} cannot be combined with --resume: a resumed run keeps the configuration its manifest ` +
          "recorded (only how the calls are made may change: --api-key-env, -j, --rps, the deadlines and caps, the cache flags)",
      );
  }
  const text = (v: unknown) => String(v);
  return {
    ...(flags.apiKeyEnv !== undefined && {
      apiKeyEnv: flagValue<string>(envName, "--api-key-env", text(flags.apiKeyEnv)),
    }),
    ...(flags.concurrency !== undefined && {
      concurrency: flagValue<number>(positiveInteger, "--concurrency", text(flags.concurrency)),
    }),
    ...(flags.rps !== undefined && { rps: flagValue<number>(positiveNumber, "--rps", text(flags.rps)) }),
    ...(flags.timeoutMs !== undefined && {
      timeoutMs: flagValue<number>(positiveInteger, "--timeout-ms", text(flags.timeoutMs)),
    }),
    ...(flags.taskTimeoutMs !== undefined && {
      taskTimeoutMs: flagValue<number>(positiveInteger, "--task-timeout-ms", text(flags.taskTimeoutMs)),
    }),
    ...(flags.rateLimitWaitMs !== undefined && {
      rateLimitWaitMs: flagValue<number>(
        nonNegativeInteger,
        "--rate-limit-wait-ms",
        text(flags.rateLimitWaitMs),
      ),
    }),
    ...(flags.maxAnswerBytes !== undefined && {
      maxAnswerBytes: flagValue<number>(positiveInteger, "--max-answer-bytes", text(flags.maxAnswerBytes)),
    }),
    ...(flags.cache !== undefined && { cache: flags.cache === false ? false : text(flags.cache) }),
    ...(flags.refresh !== undefined && { refresh: Boolean(flags.refresh) }),
    ...(flags.offline !== undefined && { offline: Boolean(flags.offline) }),
  };
}

/** A path as a shell reads it back: quoted only when it has to be. */
function shellWord(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`;
}

/**
 * The headline table, the report's warnings (on stderr, once, with their count: 0.1 kept them
 * inside report.md) and, last, where the report is: what a run or a rebuilt report leaves behind.
 */
export function printSummary(report: Report, outDir: string): void {
  const c = report.candidates;
  const incomplete = report.incomplete
    ? `incomplete: ${report.incomplete.missing.length} of ${report.incomplete.tasks} tasks never ran\n`
    : "";
  process.stdout.write(
    `\n${headlineTable(report)}\n\n` +
      `${report.dataset.queries} queries, candidate ceiling ${ceiling(report)}` +
      `${c.optimistic ? " (judged pool: optimistic)" : ""}; rerank phase ${report.timing.rerankSeconds.toFixed(2)} s` +
      `${cachedAnswers(report)}\n` +
      incomplete,
  );
  const n = report.warnings.length;
  if (n > 0) {
    const lines = report.warnings.map((w) => `  - ${w.replace(/\s*\n\s*/g, " ")}\n`).join("");
    process.stderr.write(`rerank-eval: ${count(n, "warning")} (also in report.md):\n${lines}`);
  }
  process.stdout.write(`report: ${join(outDir, "report.md")}\n`);
}

/** How many answers the response cache gave (they made no call, so they are not timed). */
function cachedAnswers(report: Report): string {
  const n = report.variants.reduce((sum, v) => sum + v.cached, 0);
  return n ? ` (${count(n, "answer")} from the cache, not timed)` : "";
}

/** R@depth of the candidates, over the queries that have something to find when some have nothing. */
function ceiling(report: Report): string {
  const c = report.candidates.ceiling;
  if (c.queriesWithoutRelevant === 0) return `${c.measure} = ${c.mean.toFixed(4)}`;
  const withRelevant = report.dataset.queries - c.queriesWithoutRelevant;
  return `${c.measure} = ${c.meanWithRelevant.toFixed(4)} over the ${withRelevant} queries with a relevant document`;
}

/**
 * The command line's own rules, before any value is judged: a single-value flag given twice, a
 * flag whose value was forgotten, comma lists. Values stay text; resolveRunOptions reads them.
 */
export function toFlags(a: Record<string, unknown>): RunFlags {
  const flags: Record<string, unknown> = {};
  for (const f of RUN_FLAGS) {
    const value = a[f.name];
    if (value !== undefined) flags[f.name] = fromArgv(f, value);
  }
  return flags as RunFlags;
}

function fromArgv(f: RunFlagDef, value: unknown): unknown {
  const flag = `--${f.flag}`;
  // A key=value pair keeps its commas (a JSON value may hold some).
  if (f.def.repeat) return listOf(flag, value as unknown[], f.def.repeat === "list");
  const v = once(flag, value);
  if (v !== "") return v;
  if (f.def.kind.bare !== undefined) return f.def.kind.bare;
  throw new UsageError(`${flag} needs a value`);
}
