/**
 * `report DIR` on a folder written by `load`. The folder's record (manifest, results.jsonl, qrels)
 * rebuilds the steps' quality, but what the load measured on the wire (offered and achieved rates,
 * latency percentiles and histograms, sender lag, errors over time, the SLO search) is kept only in
 * the report.json the load wrote: it is carried over from there, as measured. Each step's quality
 * is re-scored from results.jsonl when the measures or the judgements change.
 */
import { join } from "node:path";
import { InputError } from "../errors.js";
import { isLoadManifest, type Manifest } from "../results/manifest.js";
import { readReport } from "./read.js";
import type { Report } from "./types.js";

/**
 * Said in a report whose step quality was re-scored. A later `report DIR` of that report re-scores
 * again: its steps' metrics are then no longer the ones the load measured (nor, after `--qrels`,
 * against the folder's own judgements).
 */
export const RESCORED_WARNING =
  "load steps' quality re-scored from results.jsonl: each query's last answer of the step, one per query (the load itself scored every answer it got)";

/** The load's own warnings (written by runLoad), which a rebuild would not make again. */
const LOAD_WARNING = /^(synthetic payloads:|the load was interrupted:)/;

/**
 * The folder's report.json, or undefined when a run's folder has none it can read (a run's report
 * is rebuilt from the record alone). A load folder whose report.json is gone, unreadable or without
 * its load section cannot be rebuilt: what the load measured is nowhere else, and a report without
 * it would pass for a run's.
 */
export async function previousReport(dir: string, manifest: Manifest): Promise<Report | undefined> {
  const file = join(dir, "report.json");
  let previous: Report;
  try {
    previous = await readReport(file);
  } catch (err) {
    if (!isLoadManifest(manifest)) return undefined;
    const why = err instanceof InputError ? err.reason : (err as Error).message;
    throw new InputError(
      `a load folder keeps its measured rates, latencies and histograms only in its report.json, which cannot be read (${why}): run the load again`,
      { file },
    );
  }
  if (previous.load || !isLoadManifest(manifest)) return previous;
  throw new InputError(
    "has no load section, but the folder is a load's (its variants are load steps): run the load again",
    { file },
  );
}

/**
 * The rebuilt report with the load's measured part carried over: the load section (each step's
 * metrics re-scored when `rescore`), the open-loop convention, the load's timing and warnings, and
 * `incomplete` as the load said (a step need not reach every query; only an interrupted load is
 * incomplete).
 */
export function withMeasuredLoad(built: Report, previous: Report, qrelsChanged: boolean): Report {
  const load = previous.load;
  if (!load) return built;
  const rescore =
    qrelsChanged ||
    previous.warnings.includes(RESCORED_WARNING) ||
    built.measures.length !== previous.measures.length ||
    built.measures.some((m, i) => m !== previous.measures[i]);
  const variants = new Map(built.variants.map((v) => [v.id, v]));
  const steps = load.steps.map((step) => {
    if (!rescore) return step;
    const v = variants.get(step.variant);
    const metrics: Record<string, number> = {};
    // As the load did: the mean over the answers scored; none scored, no figure.
    for (const m of built.measures)
      if (v && Object.keys(v.perQuery[m] ?? {}).length > 0) metrics[m] = v.metrics[m].mean;
    return { ...step, metrics };
  });
  const warnings = [...built.warnings];
  for (const w of previous.warnings) if (LOAD_WARNING.test(w) && !warnings.includes(w)) warnings.push(w);
  if (rescore) warnings.push(RESCORED_WARNING);
  return {
    ...built,
    conventions: { ...built.conventions, loop: previous.conventions.loop },
    incomplete: previous.incomplete
      ? { tasks: built.incomplete?.tasks ?? 0, missing: built.incomplete?.missing ?? [] }
      : null,
    warnings,
    load: { ...load, steps },
  };
}
