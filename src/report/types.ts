/** The report's types (inferred from the schema in schema.ts) and what scoring takes. */
import type { Qrels } from "../metrics/index.js";
import type { Collated } from "../results/collate.js";
import type { Manifest } from "../results/manifest.js";
import type { ReportTiming } from "./schema.js";

export type { Report, ReportTiming, ReportVariant } from "./schema.js";

/** The score stage's input: a run's record, read from disk or still in memory. */
export interface ScoreInput {
  manifest: Manifest;
  /** The run's records laid out on its plan (collateRecords): what ran, and what never did. */
  collated: Collated;
  qrels: Qrels;
  /** Measures to compute (ir_measures names), and the headline table's columns. */
  measures: string[];
  headline: string[];
  /** Cut-offs of the run (or of `report --k`): the ties column looks at the largest. */
  ks: number[];
  toolVersion: string;
  timing: ReportTiming;
  /** Findings beyond the manifest's own warnings (a re-scoring's, say). */
  warnings: string[];
  /** The variant to compare with, when not the manifest's (`report --baseline`). */
  baseline?: string;
}
