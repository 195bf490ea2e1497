/**
 * The prepare stage: load the set, plan the variants, start the embedded server when a model asks
 * for it, create the rerankers (every setting checked before any folder exists), then make the run
 * folder and write its record's head: manifest.json and qrels.txt, before the first request.
 */
import { access, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { DocStore } from "../datasets/store.js";
import type { EvalSet } from "../datasets/types.js";
import { InputError, Interrupted } from "../errors.js";
import { baselineOf } from "../report/model.js";
import { RENDERED_FILES } from "../report/write.js";
import { createReranker } from "../rerank/client.js";
import { plainHttpKeyWarning } from "../rerank/credentials.js";
import type { Reranker, RerankerConfig } from "../rerank/types.js";
import {
  createUniqueFolder,
  MANIFEST_FILE,
  outputError,
  prepareRunFolder,
  QRELS_FILE,
  qrelsLines,
  RESULTS_FILE,
  ResultsWriter,
  removeOutputs,
  writeAtomically,
} from "../results/index.js";
import { type FolderLock, lockFolder } from "../results/lock.js";
import type { Manifest } from "../results/manifest.js";
import type { EmbeddedServer } from "../server/embedded.js";
import { openRunCache, type RunCache, requireCachedAnswers, withCache } from "./cache.js";
import type { ModelSpec, RunOptions } from "./config.js";
import { loadRunSet, type RunSet } from "./first-stage.js";
import type { RunStop } from "./interrupt.js";
import { buildManifest } from "./manifest.js";
import { effectiveConcurrency, type Plan, planRun } from "./plan.js";
import {
  cutOffTail,
  type PreviousSessions,
  planChange,
  type Resumable,
  readPrevious,
  unfinishedRun,
} from "./resume.js";
import { safeEndpoint } from "./secrets.js";
import { parseShard } from "./shard.js";

/** server/embedded.ts's EMBEDDED, spelt here: importing it would load the server into every run. */
const EMBEDDED_ENDPOINT = "embedded";

export interface Prepared {
  /** The options as the run applies them (concurrency cut to what the run can use). */
  options: RunOptions;
  evalSet: EvalSet;
  plan: Plan;
  manifest: Manifest;
  outDir: string;
  rerankers: Map<string, Reranker>;
  /** The response cache (undefined with --no-cache). */
  cache?: RunCache;
  writer: ResultsWriter;
  /** A resumed run's earlier sessions: their records, done tasks and figures. */
  previous?: PreviousSessions;
  /** Closes the writer, the rerankers' connections and the embedded server. */
  close(): Promise<void>;
  /** Lets another run into the folder: after the write stage, or when the run fails. */
  release(): Promise<void>;
}

export interface PrepareInput {
  options: RunOptions;
  measures: string[];
  headline: string[];
  env: Record<string, string | undefined>;
  redact: (text: string) => string;
  createdAt: string;
  /** Clear an unfinished run found in --out instead of refusing to. */
  overwrite?: boolean;
  /** Continue this folder's run: its manifest is kept, its results appended to. */
  resume?: Resumable;
  /**
   * The folder is a load's (`load`): its manifest says so, and its concurrency is an open loop's
   * bound on requests in flight, not a pool of workers over the tasks: kept as given, never cut to
   * the task count (a load cycles its payloads).
   */
  load?: boolean;
}

/** The run's set, read under `stop`: Interrupted (nothing written) when a stop came while it loaded. */
async function loadSet(options: RunOptions, stop: RunStop | undefined): Promise<RunSet> {
  if (stop) stop.loading = true;
  let set: RunSet;
  try {
    set = await loadRunSet(options.dataset, stop?.stopSignal);
  } catch (err) {
    throw err instanceof Interrupted
      ? new Interrupted(`${err.message}: nothing was written`, err.signal)
      : err;
  } finally {
    if (stop) stop.loading = false;
  }
  // Asked after the last chunk was read, while the handler said nothing would be written.
  if (stop?.requested && stop.signal)
    throw new Interrupted("stopped while the dataset loaded: nothing was written", stop.signal);
  return set;
}

/**
 * A stop (the CLI's Ctrl-C) while the set loads ends the loading at once: the set's files are read
 * in chunks that check it, and nothing is written, since the folder is made only once the set is
 * loaded. `stop.loading` tells the signal handler which of the two stops it is.
 */
export async function prepareRun(input: PrepareInput, stop?: RunStop): Promise<Prepared> {
  const { options, env } = input;
  const cache = openRunCache(options, input.redact);
  const { evalSet, depths, firstStage } = await loadSet(options, stop);
  const plan = planRun({
    evalSet,
    models: options.models,
    topN: options.topN,
    depth: depths.at(-1),
    depths,
    sample: options.sample,
    seed: options.seed,
    skipWithoutRelevant: options.skipQueriesWithoutRelevant,
    ...(options.shard ? { shard: parseShard(options.shard) } : {}),
  });
  const server = await embeddedServerFor(options.models);
  const rerankers = new Map<string, Reranker>();
  const closeAll = async () => {
    await Promise.allSettled([...rerankers.values()].map((r) => r.close()));
    await server?.close();
    // No text is sent after this: scoring and the report need ids and grades only.
    if (evalSet.docs instanceof DocStore) evalSet.docs.release();
  };
  let folder: { outDir: string; lock: FolderLock } | undefined;
  try {
    for (const m of options.models)
      rerankers.set(m.name, withCache(createReranker(rerankerConfig(m, server, env)), m, cache));
    // Offline: refused before the folder is touched when a task has no cached answer.
    if (cache) await requireCachedAnswers(plan, rerankers, cache);
    const endpoints = new Map(
      options.models.map((m) => [
        m.name,
        m.endpoint === "embedded" ? "embedded" : safeEndpoint(rerankers.get(m.name)?.endpoint ?? ""),
      ]),
    );
    const apiTasks = plan.queries.length * plan.variants.filter((v) => v.kind === "rerank").length;
    const { concurrency, warning } = input.load
      ? { concurrency: options.concurrency, warning: undefined }
      : effectiveConcurrency(options.concurrency, apiTasks);
    const effective = { ...options, concurrency };
    // A key over plain http to another machine: said once per endpoint, in the report's warnings.
    const plainHttp = new Set(
      [...rerankers.values()]
        .map((r) => plainHttpKeyWarning(r.endpoint, r.apiKeyEnv !== undefined))
        .filter((w): w is string => w !== undefined)
        .map((w) => w.replace(/^warning: /, "")),
    );
    const manifest = buildManifest({
      ...input,
      options: effective,
      evalSet,
      plan,
      endpoints,
      firstStage,
      warnings: [...(warning ? [warning] : []), ...plainHttp],
    });
    // A misspelt --baseline fails now, not after the paid calls.
    baselineOf(manifest);
    if (input.resume)
      return await resumeFolder(
        input.resume,
        manifest,
        { effective, evalSet, plan, rerankers, closeAll },
        input.redact,
      );
    folder = await takeFolder(options.out, evalSet.name, input.overwrite === true);
    const { outDir, lock } = folder;
    let writer: ResultsWriter;
    try {
      const qids = manifest.queries.map((q) => q.qid);
      await writeAtomically(join(outDir, QRELS_FILE), qrelsLines(qids, evalSet.qrels));
      await writeAtomically(
        join(outDir, MANIFEST_FILE),
        input.redact(`${JSON.stringify(manifest, null, 2)}\n`),
      );
      writer = new ResultsWriter(join(outDir, RESULTS_FILE), input.redact);
    } catch (err) {
      throw outputError(err, outDir);
    }
    return {
      options: effective,
      evalSet,
      plan,
      manifest,
      outDir,
      rerankers,
      cache,
      writer,
      close: async () => {
        writer.close();
        await closeAll();
      },
      release: () => lock.release(),
    };
  } catch (err) {
    await closeAll();
    await folder?.lock.release();
    throw err;
  }
}

/**
 * The run's folder, locked and cleared of a previous run's files: --out as given, or a new folder
 * `reports/<dataset>-<timestamp>` of its own (suffixed when a run of the same second has it). An
 * unfinished run found there (paid answers a report never covered) is refused unless `overwrite`.
 */
async function takeFolder(
  out: string | undefined,
  name: string,
  overwrite: boolean,
): Promise<{ outDir: string; lock: FolderLock }> {
  const outDir = out ?? (await createUniqueFolder("reports", `${name}-${timestamp(new Date())}`));
  let lock: FolderLock | undefined;
  try {
    await mkdir(outDir, { recursive: true });
    lock = await lockFolder(outDir);
    if (!overwrite) {
      const hasReport = await access(join(outDir, "report.json")).then(
        () => true,
        () => false,
      );
      const unfinished = await unfinishedRun(outDir, hasReport);
      if (unfinished?.load)
        throw new InputError("holds a load that ended before its report: start over with --overwrite", {
          file: outDir,
          field: "out",
        });
      if (unfinished)
        throw new InputError(
          `holds an unfinished run (${unfinished.done} of ${unfinished.tasks} tasks done): continue it with ` +
            `\`rerank-eval run --resume ${outDir}\`, or start over with --overwrite`,
          { file: outDir, field: "out" },
        );
    }
    await prepareRunFolder(outDir, RENDERED_FILES);
    return { outDir, lock };
  } catch (err) {
    await lock?.release();
    throw outputError(err, outDir);
  }
}

interface Made {
  effective: RunOptions;
  evalSet: EvalSet;
  plan: Plan;
  rerankers: Map<string, Reranker>;
  closeAll: () => Promise<void>;
}

/**
 * A resumed run's folder: the plan made again must be the recorded one; then the folder is locked,
 * the earlier sessions read, the outputs rendered from them removed (the new report replaces them),
 * a cut-off last line cut, and results.jsonl opened for appending. The recorded manifest stays.
 */
async function resumeFolder(
  resume: Resumable,
  fresh: Manifest,
  made: Made,
  redact: (text: string) => string,
): Promise<Prepared> {
  const { dir, manifest } = resume;
  const change = planChange(manifest, fresh);
  if (change)
    throw new InputError(`cannot resume: ${change}; start a new run (another --out, or --overwrite)`, {
      file: dir,
    });
  const lock = await lockFolder(dir, "run", undefined);
  try {
    const previous = await readPrevious(dir);
    const rerankIds = manifest.variants.filter((v) => v.kind === "rerank").map((v) => v.id);
    const tasks = rerankIds.length * manifest.queries.length;
    const doneApi = [...previous.done].filter((k) => rerankIds.includes(k.slice(0, k.indexOf(" ")))).length;
    if (doneApi === tasks && previous.hasReport)
      throw new InputError(
        `nothing to resume: all ${tasks} tasks are done and the report is written (\`rerank-eval report ${dir}\` rebuilds it)`,
        { file: dir },
      );
    let writer: ResultsWriter;
    try {
      await removeOutputs(dir, RENDERED_FILES);
      if (previous.droppedTail) await cutOffTail(join(dir, RESULTS_FILE));
      writer = new ResultsWriter(join(dir, RESULTS_FILE), redact, true);
    } catch (err) {
      throw outputError(err, dir);
    }
    return {
      options: made.effective,
      evalSet: made.evalSet,
      plan: made.plan,
      manifest,
      outDir: dir,
      rerankers: made.rerankers,
      writer,
      previous,
      close: async () => {
        writer.close();
        await made.closeAll();
      },
      release: () => lock.release(),
    };
  } catch (err) {
    await lock.release();
    throw err;
  }
}

/** Loaded only when asked for: the client path never depends on the server (design.md). */
async function embeddedServerFor(models: ModelSpec[]): Promise<EmbeddedServer | undefined> {
  const uses = models.filter((m) => m.endpoint === EMBEDDED_ENDPOINT);
  if (uses.length === 0) return undefined;
  const { startEmbeddedServer } = await import("../server/embedded.js");
  return startEmbeddedServer(uses.map((m) => ({ label: m.name, provider: m.provider, model: m.model })));
}

function rerankerConfig(
  m: ModelSpec,
  server: EmbeddedServer | undefined,
  env: Record<string, string | undefined>,
): RerankerConfig {
  const embedded = server && m.endpoint === EMBEDDED_ENDPOINT ? server.clientSettings(m.provider) : undefined;
  return {
    provider: m.provider,
    model: m.model,
    ...(m.endpoint && !embedded ? { endpoint: m.endpoint } : {}),
    ...(m.retries !== undefined ? { retries: m.retries } : {}),
    ...(m.timeoutMs !== undefined ? { timeoutMs: m.timeoutMs } : {}),
    ...(m.taskTimeoutMs !== undefined ? { taskTimeoutMs: m.taskTimeoutMs } : {}),
    ...(m.rateLimitWaitMs !== undefined ? { rateLimitWaitMs: m.rateLimitWaitMs } : {}),
    ...(m.maxAnswerBytes !== undefined ? { maxAnswerBytes: m.maxAnswerBytes } : {}),
    ...(m.maxDocsPerRequest !== undefined ? { maxDocsPerRequest: m.maxDocsPerRequest } : {}),
    ...(m.maxRequestBytes !== undefined ? { maxRequestBytes: m.maxRequestBytes } : {}),
    ...(m.qwen3Instruction !== undefined ? { qwen3Instruction: m.qwen3Instruction } : {}),
    ...(m.connections !== undefined ? { connections: m.connections } : {}),
    ...(m.apiKeyEnv ? { apiKeyEnv: m.apiKeyEnv } : {}),
    // The embedded server's route and score kind; the user's own options and key variable win.
    ...(embedded
      ? {
          endpoint: embedded.endpoint,
          options: { ...embedded.options, ...m.options },
          env: m.apiKeyEnv ? env : embedded.env,
        }
      : { ...(m.options ? { options: m.options } : {}), env }),
  };
}

function timestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}
