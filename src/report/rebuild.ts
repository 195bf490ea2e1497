/**
 * `report DIR`: a run folder's report rebuilt from the folder alone (manifest.json, results.jsonl,
 * qrels.txt), without calling any API: re-scored with other measures or cut-offs, or against
 * corrected judgements. A run that died half-way gets a report marked incomplete.
 */
import { join } from "node:path";
import { parseMeasures } from "../metrics/index.js";
import { collateRecords, rerankWindowSeconds } from "../results/collate.js";
import { MANIFEST_FILE, prepareOutputFolder, QRELS_FILE, RESULTS_FILE } from "../results/folder.js";
import { lockFolder } from "../results/lock.js";
import { type Manifest, readManifest } from "../results/manifest.js";
import { readQrels } from "../results/qrels.js";
import { readResultsFile } from "../results/reader.js";
import type { ResultRecord } from "../results/record.js";
import { buildReport, defaultMeasures, headlineMeasures } from "./model.js";
import { previousReport, withMeasuredLoad } from "./rebuild-load.js";
import type { Report, ReportTiming } from "./types.js";
import { writeReport } from "./write.js";

export interface RebuildOptions {
  /** Measures to score instead of the run's (ir_measures or trec_eval names). */
  measures?: string[];
  /** Cut-offs for the default measures instead of the run's. */
  k?: number[];
  /** Judgements to score against instead of the folder's qrels.txt. */
  qrels?: string;
  /** The variant to compare the others with, instead of the run's. */
  baseline?: string;
  /** Folder to write into instead of the run folder itself. */
  out?: string;
  /** Timing to state instead of rebuilding it (a merge of shards states its shards' summed). */
  timing?: ReportTiming;
  /** The last guard on every text written: made from the run's manifest (its key variables). */
  redactFor?: (manifest: Manifest) => (text: string) => string;
  toolVersion: string;
}

export interface RebuildOutcome {
  report: Report;
  outDir: string;
}

export async function rebuildReport(dir: string, opts: RebuildOptions): Promise<RebuildOutcome> {
  // Unknown measures fail first, before anything is read.
  const explicit = opts.measures !== undefined;
  const pickedMeasures = explicit ? parseMeasures(opts.measures ?? []).map((m) => m.name) : undefined;
  const manifest = await readManifest(join(dir, MANIFEST_FILE));
  // Read once: a run's timing comes from it; a load's measured part is carried over from it.
  const previous = await previousReport(dir, manifest);
  const load = previous?.load ? previous : undefined;
  const ks = opts.k ?? manifest.scoring.k;
  const measures = pickedMeasures ?? (opts.k ? defaultMeasures(ks) : manifest.scoring.measures);
  const headline = explicit || opts.k ? headlineMeasures(measures, ks, explicit) : manifest.scoring.headline;
  const { records, droppedTail } = await readResultsFile(join(dir, RESULTS_FILE));
  // An empty shard (`run --shard`) has no judgements to write: its qrels.txt is empty.
  const qrels =
    manifest.queries.length === 0 && !opts.qrels
      ? new Map()
      : await readQrels(opts.qrels ?? join(dir, QRELS_FILE));
  const collated = collateRecords(manifest, records);

  const warnings: string[] = [];
  if (droppedTail)
    warnings.push(
      "the last line of results.jsonl was cut off (the run was killed while writing it): that task counts as never run",
    );
  if (opts.qrels)
    warnings.push(`scored against the judgements of ${opts.qrels}, not the run's own ${QRELS_FILE}`);
  const built = buildReport({
    manifest,
    collated,
    qrels,
    measures,
    headline,
    ks,
    toolVersion: opts.toolVersion,
    timing: opts.timing ?? load?.timing ?? rebuiltTiming(manifest, records, previous),
    warnings,
    ...(opts.baseline !== undefined ? { baseline: opts.baseline } : {}),
  });
  const report = load ? withMeasuredLoad(built, load, opts.qrels !== undefined) : built;
  const outDir = opts.out ?? dir;
  if (opts.out !== undefined) await prepareOutputFolder(opts.out);
  // A live run's folder is not rewritten under it (its own report would follow), nor is a folder
  // another `report` is writing; reading a live run's folder into another one is fine.
  const lock = await lockFolder(outDir, "report", opts.out !== undefined ? "out" : undefined);
  try {
    const qids = manifest.queries.map((q) => q.qid);
    const redact = opts.redactFor?.(manifest);
    const written = await writeReport(outDir, { report, records: collated.byVariant, qids, qrels }, redact);
    return { report: written, outDir };
  } finally {
    await lock.release();
  }
}

/**
 * Timing is the one part a folder cannot fully give back: the rerank window comes from the records,
 * the rest from the run's own report.json when it wrote one, else from the manifest and the last
 * record (the client's CPU time is then unknown).
 */
function rebuiltTiming(
  manifest: Manifest,
  records: ResultRecord[],
  previous: Report | undefined,
): ReportTiming {
  const rerankIds = new Set(manifest.variants.filter((v) => v.kind === "rerank").map((v) => v.id));
  const rerankSeconds = rerankWindowSeconds(records.filter((r) => rerankIds.has(r.variant)));
  if (previous) return { ...previous.timing, rerankSeconds };
  let finishedAt = manifest.createdAt;
  for (const r of records) if (r.finishedAt > finishedAt) finishedAt = r.finishedAt;
  return {
    rerankSeconds,
    rerankCpuSeconds: null,
    totalSeconds: (Date.parse(finishedAt) - Date.parse(manifest.createdAt)) / 1000,
    startedAt: manifest.createdAt,
    finishedAt,
  };
}
