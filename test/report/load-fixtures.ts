/**
 * Load reports made by hand, as `rerank-eval load` writes them: one variant per step (its answers'
 * rankings scored like a run) and the `load` section, checked against report.json's schema so a
 * fixture that drifts from it fails here rather than passing for a shape nothing writes.
 */
import * as hdr from "hdr-histogram-js";
import { ReportSchema } from "../../src/report/schema.js";
import type { Report } from "../../src/report/types.js";
import type { ManifestVariant } from "../../src/results/manifest.js";
import type { ResultRecord } from "../../src/results/record.js";
import { manifest, record, score, variant } from "./fixtures.js";

export interface StepSpec {
  rate: number;
  /** Default: the offered rate. */
  achieved?: number;
  /** p50 latency; the other percentiles follow from it (p95 = 1.3 ×, p99 = 1.6 ×, …). */
  p50: number;
  errors?: number;
  dropped?: number;
  /** The answers were cut (a shedding server): every query's relevant document is lost. */
  truncated?: boolean;
  phase?: "sweep" | "exponential" | "bisection";
  sloMet?: boolean | null;
}

export interface LoadFixture {
  model?: string;
  endpoint?: string;
  steps: StepSpec[];
  slo?: { text: string; percentile: "p50" | "p90" | "p95" | "p99" | "p999"; thresholdMs: number } | null;
  maxRate?: number | null;
}

const GOOD: Record<string, [string, number][]> = {
  q1: [
    ["b", 0.9],
    ["a", 0.5],
    ["c", 0.1],
  ],
  q2: [
    ["d", 0.7],
    ["e", 0.2],
  ],
};
const CUT: Record<string, [string, number][]> = { q1: [["c", 0.9]], q2: [["e", 0.7]] };

export function loadReport(f: LoadFixture): Report {
  const model = f.model ?? "bm25";
  const vs: ManifestVariant[] = f.steps.map((s, i) => ({
    ...variant(model, null, `step${i + 1}-${s.rate}rps`),
    name: `${model} @ ${s.rate}/s`,
    endpoint: f.endpoint ?? "embedded",
  }));
  const recs: ResultRecord[] = f.steps.flatMap((s, i) =>
    ["q1", "q2"].map((qid) =>
      record(vs[i].id, qid, (s.truncated ? CUT : GOOD)[qid], {
        latencyMs: s.p50,
        attemptLatenciesMs: [s.p50],
        endMs: s.p50,
      }),
    ),
  );
  const scored = score(manifest(vs), recs);
  const load: Report["load"] = {
    arrival: "constant",
    seed: 7,
    maxInFlight: 256,
    payload: "dataset",
    maxRate: f.maxRate ?? null,
    slo: f.slo ? { ...f.slo, maxErrorRate: 0.01 } : null,
    steps: f.steps.map((s, i) => {
      const v = scored.variants[i];
      const requests = Math.round(s.rate * 5);
      return {
        variant: v.id,
        phase: s.phase ?? "sweep",
        offeredRate: s.rate,
        achievedRate: s.achieved ?? s.rate,
        requests,
        dropped: s.dropped ?? 0,
        errors: s.errors ?? 0,
        latency: {
          p50: s.p50,
          p90: s.p50 * 1.2,
          p95: s.p50 * 1.3,
          p99: s.p50 * 1.6,
          p999: s.p50 * 2,
          max: s.p50 * 2.5,
        },
        senderLag: { p50: 0.1, p99: 0.8, max: 2.5 },
        metrics: Object.fromEntries(Object.entries(v.metrics).map(([m, x]) => [m, x.mean])),
        durationSeconds: 5,
        warmupSeconds: 1,
        errorsByKind: (s.errors ? { "http 503": s.errors } : {}) as Record<string, number>,
        errorsOverTime: s.errors ? [{ second: 2, byKind: { "http 503": s.errors } }] : [],
        histogram: { encoded: histogram(s.p50, requests), buckets: [{ upToMs: s.p50, count: requests }] },
        sloMet: s.sloMet ?? (f.slo ? s.p50 * 1.3 < f.slo.thresholdMs : null),
      };
    }),
  };
  return ReportSchema.parse({ ...scored, load });
}

/** An HdrHistogram (µs) of `count` latencies of `ms`, compressed as the load command stores it. */
function histogram(ms: number, count: number): string {
  const h = hdr.build();
  h.recordValueWithCount(Math.round(ms * 1000), count);
  const encoded = hdr.encodeIntoCompressedBase64(h);
  h.destroy();
  return encoded;
}

/** `serve --latency-ms 50 --capacity 8` swept: flat below 160/s, queueing above it. */
export const SATURATING: StepSpec[] = [
  { rate: 40, p50: 51 },
  { rate: 80, p50: 51.5 },
  { rate: 120, p50: 52 },
  { rate: 160, p50: 58 },
  { rate: 200, achieved: 161, p50: 900 },
  { rate: 320, achieved: 160, p50: 2600, errors: 12 },
];
