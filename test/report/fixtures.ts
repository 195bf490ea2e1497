/** Plain-data inputs for the report model and renderers: a hand-made plan and results records. */

import { buildReport } from "../../src/report/model.js";
import type { Report, ReportInput } from "../../src/report/types.js";
import type { Plan, Variant } from "../../src/run/plan.js";
import type { ResultRecord } from "../../src/run/results.js";

const model = (name: string) => ({ name, model: name, provider: "regolo", endpoint: "embedded" });

export function plan(variants: Variant[], source = "csv"): Plan {
  return {
    variants,
    queries: [
      { qid: "q1", text: "one", docIds: ["a", "b", "c"], documents: ["A", "B", "C"] },
      { qid: "q2", text: "two", docIds: ["d", "e"], documents: ["D", "E"] },
    ],
    judgedQueries: 2,
    maxCandidates: 3,
    candidatesSource: source,
    optimistic: source === "qrels",
    missingDocuments: 0,
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
    ranking,
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

export const variants: Variant[] = [
  { id: "x.top2", kind: "rerank", model: model("x"), topN: 2 },
  { id: "x.top3", kind: "rerank", model: model("x"), topN: 3 },
  { id: "y.top2", kind: "rerank", model: model("y"), topN: 2 },
  { id: "y.top3", kind: "rerank", model: model("y"), topN: 3 },
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

export function report(opts: { latency?: number; source?: string; vs?: Variant[] } = {}): Report {
  const vs = opts.vs ?? variants;
  const ids = new Set(vs.map((v) => v.id));
  return buildReport({
    ...reportInput(),
    plan: plan(vs, opts.source),
    records: records(opts.latency).filter((r) => ids.has(r.variant)),
  });
}

/** Everything buildReport needs besides the plan and the records. */
export function reportInput(): ReportInput {
  return {
    plan: plan(variants),
    records: [],
    qrels,
    measures: ["nDCG@3", "RR@10", "AP", "R@3"],
    headline: ["nDCG@3", "RR@10", "AP"],
    ks: [3],
    complete: true,
    dataset: {
      name: "tiny",
      path: "tiny.csv",
      format: "csv",
      fingerprint: "ab".repeat(32),
      queries: 2,
      judged: 3,
      documents: 5,
      judgedQueries: 2,
      sample: null,
    },
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
    },
    endpoints: new Map([
      ["x", "embedded"],
      ["y", "embedded"],
    ]),
    maxFailures: 0,
    toolVersion: "0.0.0-test",
    timing: { rerankSeconds: 0.5, rerankCpuSeconds: 0.1, totalSeconds: 0.7, startedAt: "s", finishedAt: "f" },
    warnings: [],
  };
}
