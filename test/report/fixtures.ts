/** Plain-data inputs for the report model and renderers: a hand-made manifest and results records. */

import type { Qrels } from "../../src/metrics/index.js";
import { buildReport } from "../../src/report/model.js";
import type { Report, ScoreInput } from "../../src/report/types.js";
import { collateRecords } from "../../src/results/collate.js";
import type { Manifest, ManifestVariant } from "../../src/results/manifest.js";
import { type RecordRanking, type ResultRecord, rankingOfPairs } from "../../src/results/record.js";

/** A rerank variant of an embedded model. */
export function variant(
  name: string,
  topN: number | null = null,
  id = topN ? `${name}.top${topN}` : name,
): ManifestVariant {
  return {
    id,
    kind: "rerank",
    name,
    model: name,
    provider: "regolo",
    endpoint: "embedded",
    topN,
    options: {},
    price: null,
  };
}

const QUERIES = [
  { qid: "q1", candidates: ["a", "b", "c"] },
  { qid: "q2", candidates: ["d", "e"] },
];

export function manifest(
  variants: ManifestVariant[],
  source = "csv",
  queries: Manifest["queries"] = QUERIES,
): Manifest {
  return {
    schemaVersion: 1,
    tool: { name: "rerank-eval", version: "0.0.0-test" },
    createdAt: "2026-01-01T00:00:00.000Z",
    config: {
      dataset: { path: "tiny.csv" },
      models: [{ name: "x" }, { name: "y" }],
      topN: [2, 3],
      concurrency: 4,
      rps: null,
      k: [3],
      measures: ["nDCG@3", "RR@10", "AP", "R@3"],
      maxFailures: 0,
      sample: null,
      seed: 0,
      complete: true,
      skipQueriesWithoutRelevant: false,
    },
    dataset: {
      name: "tiny",
      path: "tiny.csv",
      format: "csv",
      fingerprint: "ab".repeat(32),
      queries: queries.length,
      judged: 3,
      documents: 5,
      judgedQueries: 2,
      sample: null,
    },
    candidates: {
      source,
      optimistic: source === "qrels",
      depth: null,
      maxCandidates: Math.max(...queries.map((q) => q.candidates.length)),
      missingDocuments: 0,
    },
    scoring: {
      measures: ["nDCG@3", "RR@10", "AP", "R@3"],
      headline: ["nDCG@3", "RR@10", "AP"],
      k: [3],
      complete: true,
      maxFailures: 0,
      baseline: null,
      correction: "holm",
    },
    variants,
    withoutRelevant: { skipped: false, queries: [] },
    queries,
    warnings: [],
  };
}

export const qrels = new Map([
  [
    "q1",
    new Map([
      ["b", 2],
      ["z", 1],
    ]),
  ],
  ["q2", new Map([["d", 1]])],
]);

export function record(
  variant: string,
  qid: string,
  ranking: [string, number][],
  extra: Partial<ResultRecord> = {},
): ResultRecord {
  return {
    variant,
    qid,
    ranking: rankingOfPairs(ranking) as RecordRanking,
    candidates: 3,
    attemptLatenciesMs: [10],
    latencyMs: 10,
    attempts: 1,
    requests: 1,
    notes: [],
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:00:00.010Z",
    startMs: 0,
    endMs: 10,
    ...extra,
  };
}

export const variants: ManifestVariant[] = [
  variant("x", 2),
  variant("x", 3),
  variant("y", 2),
  variant("y", 3),
];

/** x finds b first on q1; y puts a first; q2 of y.top3 failed. */
export function records(latency = 10): ResultRecord[] {
  const t = { latencyMs: latency, attemptLatenciesMs: [latency], endMs: latency };
  return [
    record(
      "x.top2",
      "q1",
      [
        ["b", 0.9],
        ["a", 0.5],
      ],
      { ...t, usage: { totalTokens: 30, searchUnits: 1 } },
    ),
    record(
      "x.top3",
      "q1",
      [
        ["b", 0.9],
        ["a", 0.5],
        ["c", 0.1],
      ],
      t,
    ),
    record(
      "y.top2",
      "q1",
      [
        ["a", 0.9],
        ["b", 0.9],
      ],
      t,
    ),
    record(
      "y.top3",
      "q1",
      [
        ["a", 0.9],
        ["b", 0.9],
        ["c", 0.9],
      ],
      t,
    ),
    record(
      "x.top2",
      "q2",
      [
        ["d", 0.7],
        ["e", 0.2],
      ],
      { ...t, usage: { totalTokens: 12, searchUnits: 1 } },
    ),
    record(
      "x.top3",
      "q2",
      [
        ["d", 0.7],
        ["e", 0.2],
      ],
      t,
    ),
    record(
      "y.top2",
      "q2",
      [
        ["e", 0.7],
        ["d", 0.2],
      ],
      t,
    ),
    record("y.top3", "q2", [], {
      ...t,
      attempts: 4,
      error: { kind: "http", status: 503, message: "overloaded" },
    }),
  ];
}

export function report(opts: { latency?: number; source?: string; vs?: ManifestVariant[] } = {}): Report {
  const vs = opts.vs ?? variants;
  const ids = new Set(vs.map((v) => v.id));
  return score(
    manifest(vs, opts.source),
    records(opts.latency).filter((r) => ids.has(r.variant)),
  );
}

/** The score stage on a manifest and records, with the fixture's measures and timing. */
export function score(
  m: Manifest,
  recs: ResultRecord[],
  judged: Qrels = qrels,
  extra: Partial<ScoreInput> = {},
): Report {
  return buildReport({
    manifest: m,
    collated: collateRecords(m, recs),
    qrels: judged,
    measures: m.scoring.measures,
    headline: m.scoring.headline,
    ks: m.scoring.k,
    toolVersion: "0.0.0-test",
    timing: { rerankSeconds: 0.5, rerankCpuSeconds: 0.1, totalSeconds: 0.7, startedAt: "s", finishedAt: "f" },
    warnings: [],
    ...extra,
  });
}
