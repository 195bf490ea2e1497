/**
 * Reading a report.json back (compare, `report DIR`): checked against the schema, with one line
 * naming the first wrong field. Version 1 reports (rerank-eval 0.1) are migrated on the way in;
 * the README's "report.json versions" says what changed.
 */
import { InputError } from "../errors.js";
import { checkWithSchema } from "../results/manifest.js";
import { readTextFile } from "../trec/index.js";
import { REPORT_SCHEMA_VERSION, ReportSchema } from "./schema.js";
import type { Report } from "./types.js";

export async function readReport(path: string): Promise<Report> {
  // Node's longest string is about 512 MiB: past that a report could not be one JSON text anyway.
  const text = await readTextFile(path, { maxBytes: 512 << 20, what: "a report.json" });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InputError(`not valid JSON (${(err as Error).message})`, { file: path });
  }
  return parseReport(value, path);
}

/** A report object of any known version, checked and brought to the current one. */
export function parseReport(value: unknown, file: string): Report {
  const version = (value as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version === 1) return checkWithSchema(ReportSchema, migrateV1(value as Record<string, unknown>), file);
  if (version !== REPORT_SCHEMA_VERSION) {
    throw new InputError(
      `schemaVersion ${JSON.stringify(version)} is not one this version reads (1 or ${REPORT_SCHEMA_VERSION})`,
      { file, field: "schemaVersion" },
    );
  }
  return checkWithSchema(ReportSchema, value, file);
}

/**
 * Version 1 → 2: notes were counted by their text (`{"top_n clamped 10->8": 5}`); they are now
 * counted by code with their wordings below. A v1 text has no code, so it stands as its own code.
 * `incomplete` did not exist (a v1 report.json was only written by a finished run).
 */
function migrateV1(v1: Record<string, unknown>): Record<string, unknown> {
  const variants = Array.isArray(v1.variants) ? v1.variants : [];
  type V1Candidates = { ceiling?: { mean?: number; queriesWithoutRelevant?: number } };
  const candidates = (v1.candidates ?? {}) as V1Candidates;
  const without = candidates.ceiling?.queriesWithoutRelevant ?? 0;
  const queries = (v1.dataset as { queries?: number } | undefined)?.queries ?? 0;
  const mean = candidates.ceiling?.mean ?? 0;
  return {
    ...v1,
    schemaVersion: REPORT_SCHEMA_VERSION,
    incomplete: null,
    baseline: null,
    rankingDiffs: [],
    // Version 1 had no statistics: none are made up on reading.
    comparisons: [],
    groups: null,
    power: null,
    significance: {
      alpha: 0.05,
      correction: "holm",
      ciMethod: "none",
      resamples: 0,
      permutations: 0,
      seed: 0,
    },
    // No front in version 1: it is a list of what was compared, and nothing was.
    front: { measure: "", axes: [], variants: [] },
    config: { skipQueriesWithoutRelevant: false, ...(v1.config as object) },
    // Version 1 counted the queries without a relevant document but did not name them.
    withoutRelevant: { count: without, skipped: false, queries: [] },
    candidates: {
      ...candidates,
      ceiling: {
        ...candidates.ceiling,
        meanWithRelevant: queries > without ? (mean * queries) / (queries - without) : 0,
      },
    },
    variants: variants.map((variant: Record<string, unknown>) => {
      const notes = (variant?.notes ?? {}) as Record<string, number>;
      const migrated = Object.fromEntries(
        Object.entries(notes).map(([text, n]) => [text, { queries: n, details: { [text]: n } }]),
      );
      const metrics = Object.fromEntries(
        Object.entries((variant?.metrics ?? {}) as Record<string, { mean: number }>).map(([m, x]) => [
          m,
          { mean: x.mean, ci95: null },
        ]),
      );
      return { ...variant, metrics, notes: migrated, cost: null };
    }),
  };
}
