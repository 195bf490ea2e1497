/**
 * `runLoad`: a load benchmark as a run folder. prepare (the run's: load the set, plan, start the
 * embedded server, make the client, lock the folder, write manifest.json and qrels.txt) → steps
 * (a sweep of rates, or the saturation search), each an open-loop step whose answers are scored
 * as they arrive → the record (each step is a variant: its queries' last answers in results.jsonl,
 * the manifest rewritten to name the steps) → the run's report with a `load` section.
 * The orchestration only: what each request sends and keeps is payloads.ts, how a finished step
 * becomes its report entry and records is steps.ts.
 */
import { join } from "node:path";
import { parseMeasures } from "../metrics/index.js";
import { boundedConnections } from "../report/load-markdown.js";
import { buildReport, defaultMeasures, headlineMeasures } from "../report/model.js";
import type { LoadSection, LoadStep, Report } from "../report/schema.js";
import { writeReport } from "../report/write.js";
import type { Reranker } from "../rerank/types.js";
import { collateRecords, MANIFEST_FILE, writeAtomically } from "../results/index.js";
import type { Manifest, ManifestVariant } from "../results/manifest.js";
import type { ResultRecord } from "../results/record.js";
import { type RunFlags, type RunOptions, resolveRunOptions } from "../run/config.js";
import type { RunStop } from "../run/interrupt.js";
import { type Task, tasksOf } from "../run/plan.js";
import { prepareRun } from "../run/prepare.js";
import { modelsRedactor } from "../run/secrets.js";
import { VERSION } from "../version.js";
import { stealDuring } from "./host-cpu.js";
import { type Kept, payloadSender, payloadsOf } from "./payloads.js";
import { AnswerScorer } from "./quality.js";
import type { Arrival } from "./schedule.js";
import { findMaxRate, type Phase } from "./search.js";
import { runStep } from "./sender.js";
import type { Slo } from "./slo.js";
import { recordOf, stepLine, stepOf } from "./steps.js";
import { type SyntheticSpec, writeSyntheticSet } from "./synthetic.js";

export interface LoadSettings {
  /** The sweep's rates in order; with findMaxRate, the first is where the search starts. */
  rates: number[];
  arrival: Arrival;
  seed: number;
  /** Each step's recorded window, ms; or `requests` recorded requests per step. */
  durationMs?: number;
  requests?: number;
  warmupMs: number;
  maxInFlight: number;
  /** Requests on the wire at once (sender.ts StepSpec); maxInFlight when absent. */
  connections?: number;
  findMaxRate: boolean;
  slo?: Slo;
  maxErrorRate: number;
  /** The search stops when the rate that failed is within this share of the one that held (default 0.05). */
  precision?: number;
  /** Synthetic payloads instead of --dataset. */
  synthetic?: SyntheticSpec;
}

export interface LoadIo {
  env?: Record<string, string | undefined>;
  /**
   * Ctrl-C: while the set loads, the reading ends and nothing is written (Interrupted); once the
   * steps run, the current step stops, no other starts, and the report is written, marked incomplete.
   */
  stop?: RunStop;
  /** One line per finished step (stderr by default); nothing when quiet. */
  progress?: (line: string) => void;
  overwrite?: boolean;
}

export interface LoadOutcome {
  report: Report;
  outDir: string;
  interrupted: boolean;
}

/** The run flags the load takes as a run does (dataset, model, endpoint, key, client limits, --out). */
export async function runLoad(
  flags: RunFlags,
  settings: LoadSettings,
  io: LoadIo = {},
): Promise<LoadOutcome> {
  const env = io.env ?? process.env;
  // Without a bound of its own, every request in flight may have its connection.
  const connections = settings.connections ?? settings.maxInFlight;
  const synthetic = settings.synthetic ? await writeSyntheticSet(settings.synthetic) : undefined;
  try {
    const withSet = synthetic ? { ...flags, dataset: synthetic.path, candidates: "qrels" } : flags;
    const resolved = resolveRunOptions(undefined, withSet as RunFlags);
    // No response cache (a cached answer is no load), no retries unless asked (a retry hides an error
    // inside a latency), the folder's concurrency figure is the in-flight bound, and the client's pool
    // opens no more connections than the sender puts requests on the wire (an answer's connection is
    // free a moment after the sender learns of it: unbounded, the pool would open a spare now and then).
    const options: RunOptions = {
      ...resolved,
      cache: false,
      concurrency: settings.maxInFlight,
      complete: false,
      models: resolved.models.map((m) => ({
        ...m,
        retries: m.retries ?? 0,
        connections,
      })),
    };
    return await loadSteps(options, { ...settings, connections }, io, env);
  } finally {
    await synthetic?.remove();
  }
}

async function loadSteps(
  options: RunOptions,
  settings: LoadSettings & { connections: number },
  io: LoadIo,
  env: Record<string, string | undefined>,
): Promise<LoadOutcome> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const measures = parseMeasures(options.measures ?? defaultMeasures(options.k)).map((m) => m.name);
  const headline = headlineMeasures(measures, options.k, options.measures !== undefined);
  const redact = modelsRedactor(options.models, env);
  const prepared = await prepareRun(
    {
      options,
      measures,
      headline,
      env,
      redact,
      createdAt: startedAt,
      load: true,
      overwrite: io.overwrite === true,
    },
    io.stop,
  );
  try {
    const { plan, manifest, evalSet, outDir } = prepared;
    const tasks: Task[] = [...tasksOf(plan)].filter((t) => t.variant.kind === "rerank");
    const variant = tasks[0].variant;
    const reranker = prepared.rerankers.get(variant.model?.name ?? "") as Reranker;
    const payloads = payloadsOf(tasks);
    const scorer = new AnswerScorer(evalSet.qrels, measures);
    const steps: LoadStep[] = [];
    const stepVariants: ManifestVariant[] = [];
    const records: ResultRecord[] = [];
    const base = manifest.variants.find((v) => v.id === variant.id) as ManifestVariant;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();

    const probe = async (rate: number, phase: "sweep" | Phase): Promise<boolean> => {
      const id = `step${steps.length + 1}-${String(rate).replace(/[^0-9.]/g, "_")}rps`;
      const quality = scorer.sums();
      const last = new Map<string, Kept>();
      const send = payloadSender(reranker, payloads, scorer, quality, last);
      // LoadSettings carries every field of a step's spec (arrival, seed, window, bound).
      const [outcome, stolen] = await stealDuring(() =>
        runStep({ ...settings, rate }, send, io.stop?.stopSignal),
      );
      const step = stepOf(id, phase, rate, outcome, quality, settings, stolen);
      steps.push(step);
      stepVariants.push({ ...base, id, name: `${base.name} @ ${rate}/s` });
      for (const kept of last.values()) {
        const r = recordOf(kept, id, t0);
        records.push(r);
        prepared.writer.append(r);
      }
      io.progress?.(stepLine(step));
      return step.sloMet !== false && !outcome.stopped;
    };

    const stopped = () => io.stop?.requested === true;
    let maxRate: number | null = null;
    if (settings.findMaxRate) {
      maxRate = await findMaxRate(
        (r, phase) => probe(r, phase),
        {
          start: settings.rates[0],
          ...(settings.precision !== undefined ? { precision: settings.precision } : {}),
        },
        stopped,
      );
    } else {
      for (const rate of settings.rates) {
        if (stopped()) break;
        await probe(rate, "sweep");
      }
    }
    prepared.writer.flush();
    const rerankSeconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const interrupted = stopped();

    // The folder's record names the steps: `report DIR` rebuilds their quality without the API.
    const stepManifest: Manifest = {
      ...manifest,
      variants: stepVariants.length ? stepVariants : manifest.variants,
    };
    await writeAtomically(join(outDir, MANIFEST_FILE), redact(`${JSON.stringify(stepManifest, null, 2)}\n`));
    const collated = collateRecords(stepManifest, records);
    const built = buildReport({
      manifest: stepManifest,
      collated,
      qrels: evalSet.qrels,
      measures,
      headline,
      ks: options.k,
      toolVersion: VERSION,
      timing: {
        rerankSeconds,
        rerankCpuSeconds: (cpu.user + cpu.system) / 1e6,
        totalSeconds: (performance.now() - started) / 1000,
        startedAt,
        finishedAt: new Date().toISOString(),
      },
      warnings: settings.synthetic
        ? [
            "synthetic payloads: random texts with arbitrary labels; the quality figures say nothing about the model",
          ]
        : [],
    });
    const load: LoadSection = {
      arrival: settings.arrival,
      seed: settings.seed,
      steps,
      maxRate: settings.findMaxRate ? maxRate : null,
      slo: settings.slo
        ? {
            text: settings.slo.text,
            percentile: settings.slo.percentile,
            thresholdMs: settings.slo.thresholdMs,
            maxErrorRate: settings.maxErrorRate,
          }
        : null,
      maxInFlight: settings.maxInFlight,
      connections: settings.connections,
      payload: settings.synthetic ? "synthetic" : "dataset",
    };
    const bound = boundedConnections(load);
    const report: Report = {
      ...built,
      conventions: {
        ...built.conventions,
        loop:
          `open loop, ${settings.arrival} arrivals: latency from each request's intended send time ` +
          `(coordinated omission corrected), at most ${settings.maxInFlight} in flight (more are dropped and counted)` +
          (bound !== undefined
            ? `, at most ${bound} on the wire (more wait for a connection, their wait in their latency)`
            : ""),
      },
      // A step need not send every query: a query it did not reach is not missing, only an interrupted load is.
      incomplete: interrupted
        ? { tasks: built.incomplete?.tasks ?? 0, missing: built.incomplete?.missing ?? [] }
        : null,
      load,
    };
    if (interrupted)
      report.warnings.push("the load was interrupted: the last step is partial and later steps never ran");
    const qids = stepManifest.queries.map((q) => q.qid);
    const written = await writeReport(
      outDir,
      { report, records: collated.byVariant, qids, qrels: evalSet.qrels },
      redact,
    );
    return { report: written, outDir, interrupted };
  } finally {
    await prepared.close();
    await prepared.release();
  }
}
