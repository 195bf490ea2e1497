/**
 * `runEvaluation`: one run as four stages with plain data between them. prepare (load, plan,
 * manifest) → execute (tasks in, records out) → score (manifest + records + qrels → Report) →
 * write (the renderers). The CLI is a thin shell around this; `report DIR` runs the last two on a
 * folder. `resumeEvaluation` runs the same stages on an unfinished run's folder: only its missing
 * (or failed) tasks are sent, and the report covers the old records and the new.
 */

import { parseMeasures } from "../metrics/index.js";
import { buildReport, defaultMeasures, headlineMeasures } from "../report/model.js";
import type { Report } from "../report/types.js";
import { writeReport } from "../report/write.js";
import { collateRecords, rerankWindowSeconds } from "../results/collate.js";
import type { ResultRecord } from "../results/record.js";
import { count } from "../text/words.js";
import { VERSION } from "../version.js";
import { type RunConfig, type RunOptions, runOptionsOf } from "./config.js";
import { executeTasks } from "./execute.js";
import type { StoppedVariant } from "./fail-fast.js";
import type { RunStop, StopSignal } from "./interrupt.js";
import { tasksOf } from "./plan.js";
import { type Prepared, type PrepareInput, prepareRun } from "./prepare.js";
import { createProgress, type ProgressStream } from "./progress.js";
import { type ResumeOverrides, readResumable, resumedOptions } from "./resume.js";
import { modelsRedactor } from "./secrets.js";
import { resolveShard } from "./shard.js";

export type { ResumeOverrides } from "./resume.js";

export interface RunIo {
  /** Where progress goes (stderr by default). */
  progressStream?: ProgressStream;
  quiet?: boolean;
  env?: Record<string, string | undefined>;
  /** Stops the run cleanly (the CLI routes SIGINT/SIGTERM to it): interrupt.ts. */
  stop?: RunStop;
  /** Stop a variant whose first tasks all fail the same hopeless way (default true). */
  failFast?: boolean;
  /** Lines for the user during the run (a variant stopped); stderr by default. */
  notice?: (line: string) => void;
  /** Clear an unfinished run found in --out instead of refusing to. */
  overwrite?: boolean;
}

export interface RunOutcome {
  /** As written (redacted). `report.failures.exceeded` says more tasks failed than --max-failures. */
  report: Report;
  outDir: string;
  /** Variants stopped by fail fast: their remaining tasks were not sent (the folder is resumable). */
  stoppedVariants: StoppedVariant[];
  /** The signal that stopped the run before all its tasks ran, if one did. */
  interrupted?: StopSignal;
  /** API tasks of the plan, and how many of them have a record now (old and new). */
  tasks: number;
  done: number;
}

/**
 * A whole run. `config` is what a config file holds (dataset and models required, everything else
 * defaulted as the CLI does), or options already resolved by resolveRunOptions.
 */
export async function runEvaluation(config: RunConfig | RunOptions, io: RunIo = {}): Promise<RunOutcome> {
  const resolved = runOptionsOf(config);
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const env = io.env ?? process.env;
  // `--shard auto` becomes the i/n the environment gives, so the manifest and a resume see which.
  const shard = resolveShard(resolved.shard, resolved.shardCount, env);
  const options = shard ? { ...resolved, shard: `${shard.index}/${shard.count}` } : resolved;
  // Unknown measures fail here, before any loading or calling.
  const explicit = options.measures !== undefined;
  const measures = parseMeasures(options.measures ?? defaultMeasures(options.k)).map((m) => m.name);
  const headline = headlineMeasures(measures, options.k, explicit);
  const redact = modelsRedactor(options.models, env);

  return prepareAndRun(
    { options, measures, headline, env, redact, createdAt: startedAt, overwrite: io.overwrite === true },
    io,
    started,
  );
}

/**
 * Continue the unfinished run in `dir` from its manifest and results.jsonl: the dataset and the
 * configuration are the manifest's (the key variable, -j, --rps and --timeout-ms may change), a
 * dataset or plan that changed since is refused, and only the tasks without a successful record
 * are sent. The report covers every task, old and new.
 */
export async function resumeEvaluation(
  dir: string,
  overrides: ResumeOverrides = {},
  io: RunIo = {},
): Promise<RunOutcome> {
  const started = performance.now();
  const env = io.env ?? process.env;
  const resumable = await readResumable(dir);
  const { manifest } = resumable;
  const options = resumedOptions(manifest, overrides, dir);
  const redact = modelsRedactor(options.models, env);
  const { measures, headline } = manifest.scoring;
  return prepareAndRun(
    { options, measures, headline, env, redact, createdAt: manifest.createdAt, resume: resumable },
    io,
    started,
  );
}

/** prepare, then execute, score and write; the folder's lock and the server are released whatever happens. */
async function prepareAndRun(input: PrepareInput, io: RunIo, started: number): Promise<RunOutcome> {
  const prepared = await prepareRun(input, io.stop);
  try {
    const { measures, headline, redact, createdAt: startedAt } = input;
    return await executeScoreWrite(prepared, io, { measures, headline, redact, started, startedAt });
  } finally {
    await prepared.release();
  }
}

interface Scoring {
  measures: string[];
  headline: string[];
  redact: (text: string) => string;
  started: number;
  startedAt: string;
}

/** The run after prepare: its options are the ones prepare settled (the concurrency it can use). */
async function executeScoreWrite(
  prepared: Prepared,
  io: RunIo,
  { measures, headline, redact, started, startedAt }: Scoring,
): Promise<RunOutcome> {
  const { manifest, plan, outDir, options } = prepared;
  const previous = prepared.previous;
  const done = new Set(previous?.done ?? []);
  const notice = io.notice ?? ((line: string) => process.stderr.write(`rerank-eval: ${line}\n`));
  let outcome: Awaited<ReturnType<typeof executeTasks>>;
  const rerankVariants = plan.variants.filter((v) => v.kind === "rerank");
  const apiTasks = plan.queries.length * rerankVariants.length;
  try {
    const doneApi = previous ? countDone(done, rerankVariants) : 0;
    const progress = createProgress({
      total: apiTasks - doneApi,
      what: `${count(rerankVariants.length, "variant")} × ${count(plan.queries.length, "query", "queries")}${doneApi ? `, ${doneApi} done before` : ""}`,
      stream: io.progressStream ?? process.stderr,
      quiet: io.quiet,
    });
    try {
      outcome = await executeTasks({
        tasks: tasksOf(plan),
        done,
        rerankers: prepared.rerankers,
        concurrency: options.concurrency,
        rps: options.rps,
        sink: (r) => prepared.writer.append(r),
        progress,
        ...(io.stop ? { stop: io.stop.stopSignal, abort: io.stop.abortSignal } : {}),
        failFast: io.failFast !== false,
        // Said even when quiet: it is why the run will end early, not progress.
        onVariantStopped: (s) => notice(s.reason),
        clockOffsetMs: previous?.clockMs ?? 0,
      });
      // The last turn's lines are on disk before the phase is over (a late write failure fails the run).
      prepared.writer.flush();
    } finally {
      progress.stop();
    }
  } finally {
    await prepared.close();
  }

  const { stoppedVariants } = outcome;
  const records: ResultRecord[] = previous ? [...previous.records, ...outcome.records] : outcome.records;
  const collated = collateRecords(manifest, records);
  const rerankIds = new Set(rerankVariants.map((v) => v.id));
  const warnings: string[] = [];
  if (previous?.droppedTail)
    warnings.push(
      "the last line of results.jsonl was cut off (the run was killed while writing it): that task ran again",
    );
  const missingOf = (variant: string) => collated.missing.filter((t) => t.variant === variant).length;
  for (const s of stoppedVariants)
    warnings.push(`${s.reason}; its ${missingOf(s.variant)} remaining tasks were not sent (fail fast)`);
  const interrupted = outcome.interrupted && io.stop?.signal ? io.stop.signal : undefined;
  if (interrupted)
    warnings.push(`the run was stopped by ${interrupted} before ${collated.missing.length} tasks ran`);
  const report = buildReport({
    manifest,
    collated,
    qrels: prepared.evalSet.qrels,
    measures,
    headline,
    ks: manifest.scoring.k,
    toolVersion: VERSION,
    timing: {
      rerankSeconds: rerankWindowSeconds(records.filter((r) => rerankIds.has(r.variant))),
      rerankCpuSeconds:
        previous && previous.cpuSeconds === null ? null : outcome.cpuSeconds + (previous?.cpuSeconds ?? 0),
      totalSeconds: (performance.now() - started) / 1000 + (previous?.totalSeconds ?? 0),
      startedAt,
      finishedAt: new Date().toISOString(),
    },
    warnings: [...warnings, ...(prepared.cache?.warnings() ?? [])],
  });
  const qids = manifest.queries.map((q) => q.qid);
  const written = await writeReport(
    outDir,
    { report, records: collated.byVariant, qids, qrels: prepared.evalSet.qrels },
    redact,
  );
  return {
    report: written,
    outDir,
    stoppedVariants,
    ...(interrupted ? { interrupted } : {}),
    tasks: apiTasks,
    done: apiTasks - collated.missing.filter((t) => rerankIds.has(t.variant)).length,
  };
}

function countDone(done: ReadonlySet<string>, variants: { id: string }[]): number {
  const ids = new Set(variants.map((v) => v.id));
  let n = 0;
  for (const key of done) if (ids.has(key.slice(0, key.indexOf(" ")))) n++;
  return n;
}
