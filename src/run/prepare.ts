/**
 * The prepare stage: load the set, plan the variants, start the embedded server when a model asks
 * for it, create the rerankers (every setting checked before any folder exists), then make the run
 * folder and write its record's head: manifest.json and qrels.txt, before the first request.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { loadEvalSet } from "../datasets/index.js";
import type { EvalSet } from "../datasets/types.js";
import { baselineOf } from "../report/model.js";
import { RENDERED_FILES } from "../report/write.js";
import { createReranker } from "../rerank/client.js";
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
  writeAtomically,
} from "../results/index.js";
import { type FolderLock, lockFolder } from "../results/lock.js";
import type { Manifest } from "../results/manifest.js";
import type { EmbeddedServer } from "../server/embedded.js";
import { openRunCache, type RunCache, requireCachedAnswers, withCache } from "./cache.js";
import type { ModelSpec, RunOptions } from "./config.js";
import { buildManifest } from "./manifest.js";
import { effectiveConcurrency, type Plan, planRun } from "./plan.js";
import { safeEndpoint } from "./secrets.js";

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
}

export async function prepareRun(input: PrepareInput): Promise<Prepared> {
  const { options, env } = input;
  const cache = openRunCache(options, input.redact);
  const { path: datasetPath, ...loadOptions } = options.dataset;
  const evalSet = await loadEvalSet(datasetPath, loadOptions);
  const plan = planRun({
    evalSet,
    models: options.models,
    topN: options.topN,
    depth: options.dataset.depth,
    sample: options.sample,
    seed: options.seed,
    skipWithoutRelevant: options.skipQueriesWithoutRelevant,
  });
  const server = await embeddedServerFor(options.models);
  const rerankers = new Map<string, Reranker>();
  const closeAll = async () => {
    await Promise.allSettled([...rerankers.values()].map((r) => r.close()));
    await server?.close();
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
    const { concurrency, warning } = effectiveConcurrency(options.concurrency, apiTasks);
    const effective = { ...options, concurrency };
    const manifest = buildManifest({
      ...input,
      options: effective,
      evalSet,
      plan,
      endpoints,
      warnings: warning ? [warning] : [],
    });
    // A misspelt --baseline fails now, not after the paid calls.
    baselineOf(manifest);
    folder = await takeFolder(options.out, evalSet.name);
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
 * `reports/<dataset>-<timestamp>` of its own (suffixed when a run of the same second has it).
 */
async function takeFolder(
  out: string | undefined,
  name: string,
): Promise<{ outDir: string; lock: FolderLock }> {
  const outDir = out ?? (await createUniqueFolder("reports", `${name}-${timestamp(new Date())}`));
  let lock: FolderLock | undefined;
  try {
    await mkdir(outDir, { recursive: true });
    lock = await lockFolder(outDir);
    await prepareRunFolder(outDir, RENDERED_FILES);
    return { outDir, lock };
  } catch (err) {
    await lock?.release();
    throw outputError(err, outDir);
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
