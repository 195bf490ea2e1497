/**
 * Resuming a run from its folder (`run --resume DIR`): the manifest says what the run was asked to
 * do (dataset, models, plan), results.jsonl what is done. The dataset is loaded again from the
 * manifest's recorded configuration and planned again; a dataset whose fingerprint changed, or a
 * plan with other variants, queries or candidates, is refused naming what changed, since the
 * report would mix two runs. Tasks whose last record is a success are done; failed tasks run again.
 */
import { open } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { readReport } from "../report/read.js";
import { REDACTED } from "../rerank/redact.js";
import { collateRecords } from "../results/collate.js";
import { MANIFEST_FILE, RESULTS_FILE } from "../results/folder.js";
import { isLoadManifest, type Manifest, readManifest } from "../results/manifest.js";
import { readResultsFile } from "../results/reader.js";
import { type ResultRecord, taskKey } from "../results/record.js";
import { type RunConfig, type RunOptions, runOptionsOf } from "./config.js";

/** What may change on resume: how the calls are made, never what is asked. */
export interface ResumeOverrides {
  apiKeyEnv?: string;
  concurrency?: number;
  rps?: number;
  timeoutMs?: number;
  taskTimeoutMs?: number;
  rateLimitWaitMs?: number;
  maxAnswerBytes?: number;
  /** The response cache's folder, or false for none; the default folder when unset. */
  cache?: string | false;
  refresh?: boolean;
  offline?: boolean;
}

export interface Resumable {
  dir: string;
  manifest: Manifest;
}

/** What the earlier sessions of a run left: read once the folder is locked. */
export interface PreviousSessions {
  records: ResultRecord[];
  /** Task keys whose last record is a success: not sent again. */
  done: Set<string>;
  droppedTail: number;
  /** The records' clock at its latest (ms): a resumed session's records continue from it. */
  clockMs: number;
  /** From the earlier report.json, when one was written (an interrupted or failed-fast run). */
  cpuSeconds: number | null;
  totalSeconds: number;
  /** Whether the folder held a report.json (the run wrote one before it stopped). */
  hasReport: boolean;
}

export async function readResumable(dir: string): Promise<Resumable> {
  const manifest = await readManifest(join(dir, MANIFEST_FILE));
  return { dir, manifest };
}

/** The run's options as its manifest recorded them, with the overrides over them and `out` the folder. */
export function resumedOptions(manifest: Manifest, overrides: ResumeOverrides, dir: string): RunOptions {
  const c = manifest.config;
  // A setting that looked like a secret was written as the redaction marker: resuming would send
  // the marker in its place, so the folder is refused, naming the setting.
  for (const m of c.models) {
    const at = markerPath(m, "");
    if (at !== undefined)
      throw new InputError(
        `model ${String(m.name)}: setting '${at}' looked like a secret and was not written, so this folder cannot be resumed (start over with --overwrite, passing secrets through --api-key-env)`,
        { file: join(dir, MANIFEST_FILE) },
      );
  }
  const models = c.models.map((m) => ({
    ...m,
    ...(overrides.apiKeyEnv !== undefined ? { apiKeyEnv: overrides.apiKeyEnv } : {}),
    ...(overrides.timeoutMs !== undefined ? { timeoutMs: overrides.timeoutMs } : {}),
    ...(overrides.taskTimeoutMs !== undefined ? { taskTimeoutMs: overrides.taskTimeoutMs } : {}),
    ...(overrides.rateLimitWaitMs !== undefined ? { rateLimitWaitMs: overrides.rateLimitWaitMs } : {}),
    ...(overrides.maxAnswerBytes !== undefined ? { maxAnswerBytes: overrides.maxAnswerBytes } : {}),
  }));
  const config = {
    dataset: c.dataset,
    models,
    ...(c.topN.length > 0 ? { topN: c.topN } : {}),
    concurrency: overrides.concurrency ?? c.concurrency,
    ...((overrides.rps ?? c.rps) != null ? { rps: overrides.rps ?? c.rps } : {}),
    k: manifest.scoring.k,
    measures: manifest.scoring.measures,
    maxFailures: manifest.scoring.maxFailures,
    ...(c.sample !== null ? { sample: c.sample } : {}),
    seed: c.seed,
    complete: manifest.scoring.complete,
    skipQueriesWithoutRelevant: c.skipQueriesWithoutRelevant,
    ...(manifest.scoring.baseline !== null ? { baseline: manifest.scoring.baseline } : {}),
    correction: manifest.scoring.correction,
    // A shard resumes as the same shard: the plan made again is partitioned the same way.
    ...(manifest.shard ? { shard: `${manifest.shard.index}/${manifest.shard.count}` } : {}),
    out: dir,
    // The cache the run used, unless the resume names another (or --no-cache).
    ...((overrides.cache ?? c.cache) !== undefined ? { cache: overrides.cache ?? c.cache } : {}),
    ...(overrides.refresh ? { refresh: true } : {}),
    ...(overrides.offline ? { offline: true } : {}),
  } as unknown as RunConfig;
  try {
    return runOptionsOf(config);
  } catch (err) {
    if (err instanceof InputError)
      throw new InputError(`config.${err.field ?? ""}: ${err.reason}; this folder cannot be resumed`, {
        file: join(dir, MANIFEST_FILE),
      });
    throw err;
  }
}

/**
 * What changed between the plan a run recorded and the plan made again now, in one line; undefined
 * when nothing did. The fingerprint first: a changed file explains every other difference.
 */
export function planChange(recorded: Manifest, now: Manifest): string | undefined {
  const was = recorded.dataset.fingerprint;
  const is = now.dataset.fingerprint;
  if (was !== is)
    return `the dataset changed since the run started (fingerprint sha256:${was.slice(0, 12)}… is now sha256:${is.slice(0, 12)}…)`;
  const ids = (m: Manifest) => m.variants.map((v) => v.id).join(", ");
  if (ids(recorded) !== ids(now))
    return `the variants changed: the run has ${ids(recorded)}, now ${ids(now)}`;
  const before = new Map(recorded.queries.map((q) => [q.qid, q.candidates]));
  const after = new Map(now.queries.map((q) => [q.qid, q.candidates]));
  const gone = [...before.keys()].filter((q) => !after.has(q));
  const added = [...after.keys()].filter((q) => !before.has(q));
  if (gone.length || added.length) {
    const list = (qs: string[]) => `${qs.slice(0, 3).join(", ")}${qs.length > 3 ? ", …" : ""}`;
    const parts = [
      ...(gone.length ? [`${gone.length} gone (${list(gone)})`] : []),
      ...(added.length ? [`${added.length} new (${list(added)})`] : []),
    ];
    return `the queries changed: ${parts.join(", ")}`;
  }
  const changed = recorded.queries.filter(
    (q) => (after.get(q.qid) ?? []).join("\n") !== q.candidates.join("\n"),
  );
  if (changed.length)
    return `the candidates of query ${changed[0].qid}${changed.length > 1 ? ` and ${changed.length - 1} other queries` : ""} changed`;
  return undefined;
}

/** The earlier sessions' records and figures. */
export async function readPrevious(dir: string): Promise<PreviousSessions> {
  const { records, droppedTail } = await readResultsFile(join(dir, RESULTS_FILE)).catch((err) => {
    // A run killed before its first answer may have left no results file at all.
    if (err instanceof InputError && err.reason === "no such file") return { records: [], droppedTail: 0 };
    throw err;
  });
  const last = new Map<string, ResultRecord>();
  for (const r of records) last.set(taskKey(r.variant, r.qid), r);
  const done = new Set<string>();
  for (const [key, r] of last) if (r.error === undefined) done.add(key);
  let clockMs = 0;
  for (const r of records) if (r.endMs > clockMs) clockMs = r.endMs;
  const earlier = await readReport(join(dir, "report.json")).catch(() => undefined);
  return {
    records,
    done,
    droppedTail,
    clockMs,
    cpuSeconds: earlier ? earlier.timing.rerankCpuSeconds : null,
    // Without a report the earlier session died: its records' clock is the best measure of it.
    totalSeconds: earlier?.timing.totalSeconds ?? clockMs / 1000,
    hasReport: earlier !== undefined,
  };
}

/**
 * A folder's run that a plain re-run would throw away: a manifest, some records, and either no
 * report or tasks that never ran. Returns how far it got, or undefined (nothing worth keeping, or
 * not a run that can be resumed).
 */
export async function unfinishedRun(
  dir: string,
  hasReport: boolean,
): Promise<{ load: true } | { load: false; done: number; tasks: number } | undefined> {
  let manifest: Manifest;
  let load: boolean;
  let records: ResultRecord[];
  try {
    manifest = await readManifest(join(dir, MANIFEST_FILE));
    load = isLoadManifest(manifest);
    // A load writes its report even when stopped: with one, its folder is done with.
    if (hasReport && load) return undefined;
    records = (await readResultsFile(join(dir, RESULTS_FILE))).records;
  } catch {
    return undefined;
  }
  // Killed before its report: the steps it finished are on record (under their step ids).
  if (load) return records.length > 0 ? { load: true } : undefined;
  const rerank = new Set(manifest.variants.filter((v) => v.kind === "rerank").map((v) => v.id));
  const apiRecords = records.filter((r) => rerank.has(r.variant));
  if (apiRecords.length === 0) return undefined;
  const collated = collateRecords(manifest, records);
  if (hasReport && collated.missing.length === 0) return undefined;
  const tasks = rerank.size * manifest.queries.length;
  return { load: false, done: tasks - collated.missing.length, tasks };
}

/**
 * Cuts a cut-off last line (an append the process did not finish) off the file, so the next append
 * starts on a line of its own instead of gluing onto the fragment.
 */
export async function cutOffTail(path: string): Promise<void> {
  const handle = await open(path, "r+");
  try {
    const { size } = await handle.stat();
    const block = Buffer.alloc(64 * 1024);
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - block.length);
      const { bytesRead } = await handle.read(block, 0, end - start, start);
      const at = block.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (at >= 0) {
        await handle.truncate(start + at + 1);
        return;
      }
      end = start;
    }
    await handle.truncate(0);
  } finally {
    await handle.close();
  }
}

/** The dotted path of the first value that is the redaction marker, if any. */
function markerPath(value: unknown, path: string): string | undefined {
  if (value === REDACTED) return path;
  if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const found = markerPath(v, path ? `${path}.${k}` : k);
      if (found !== undefined) return found;
    }
  return undefined;
}
