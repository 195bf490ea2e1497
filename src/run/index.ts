/**
 * `runEvaluation`: one run as four stages with plain data between them. prepare (load, plan,
 * manifest) → execute (tasks in, records out) → score (manifest + records + qrels → Report) →
 * write (the renderers). The CLI is a thin shell around this; `report DIR` runs the last two on a
 * folder.
 */

import { parseMeasures } from "../metrics/index.js";
import { buildReport, defaultMeasures, headlineMeasures } from "../report/model.js";
import type { Report } from "../report/types.js";
import { writeReport } from "../report/write.js";
import { collateRecords, rerankWindowSeconds } from "../results/collate.js";
import { count } from "../text/words.js";
import { VERSION } from "../version.js";
import { type RunConfig, type RunOptions, runOptionsOf } from "./config.js";
import { executeTasks } from "./execute.js";
import { tasksOf } from "./plan.js";
import { type Prepared, prepareRun } from "./prepare.js";
import { createProgress, type ProgressStream } from "./progress.js";
import { collectSecrets, redactor } from "./secrets.js";

export interface RunIo {
  /** Where progress goes (stderr by default). */
  progressStream?: ProgressStream;
  quiet?: boolean;
  env?: Record<string, string | undefined>;
}

export interface RunOutcome {
  /** As written (redacted). `report.failures.exceeded` says more tasks failed than --max-failures. */
  report: Report;
  outDir: string;
}

/**
 * A whole run. `config` is what a config file holds (dataset and models required, everything else
 * defaulted as the CLI does), or options already resolved by resolveRunOptions.
 */
export async function runEvaluation(config: RunConfig | RunOptions, io: RunIo = {}): Promise<RunOutcome> {
  const options = runOptionsOf(config);
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const env = io.env ?? process.env;
  // Unknown measures fail here, before any loading or calling.
  const explicit = options.measures !== undefined;
  const measures = parseMeasures(options.measures ?? defaultMeasures(options.k)).map((m) => m.name);
  const headline = headlineMeasures(measures, options.k, explicit);
  const redact = redactor(collectSecrets(options.models, env));

  const prepared = await prepareRun({ options, measures, headline, env, redact, createdAt: startedAt });
  try {
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
  let records: Awaited<ReturnType<typeof executeTasks>>["records"];
  let cpuSeconds: number;
  try {
    const rerankVariants = plan.variants.filter((v) => v.kind === "rerank").length;
    const progress = createProgress({
      total: plan.queries.length * rerankVariants,
      what: `${count(rerankVariants, "variant")} × ${count(plan.queries.length, "query", "queries")}`,
      stream: io.progressStream ?? process.stderr,
      quiet: io.quiet,
    });
    try {
      ({ records, cpuSeconds } = await executeTasks({
        tasks: tasksOf(plan),
        rerankers: prepared.rerankers,
        concurrency: options.concurrency,
        rps: options.rps,
        sink: (r) => prepared.writer.append(r),
        progress,
      }));
      // The last turn's lines are on disk before the phase is over (a late write failure fails the run).
      prepared.writer.flush();
    } finally {
      progress.stop();
    }
  } finally {
    await prepared.close();
  }

  const collated = collateRecords(manifest, records);
  const rerankIds = new Set(plan.variants.filter((v) => v.kind === "rerank").map((v) => v.id));
  const report = buildReport({
    manifest,
    collated,
    qrels: prepared.evalSet.qrels,
    measures,
    headline,
    ks: options.k,
    toolVersion: VERSION,
    timing: {
      rerankSeconds: rerankWindowSeconds(records.filter((r) => rerankIds.has(r.variant))),
      rerankCpuSeconds: cpuSeconds,
      totalSeconds: (performance.now() - started) / 1000,
      startedAt,
      finishedAt: new Date().toISOString(),
    },
    warnings: prepared.cache?.warnings() ?? [],
  });
  const qids = manifest.queries.map((q) => q.qid);
  const written = await writeReport(
    outDir,
    { report, records: collated.byVariant, qids, qrels: prepared.evalSet.qrels },
    redact,
  );
  return { report: written, outDir };
}
