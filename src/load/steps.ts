/**
 * A finished step as the folder records it: its report entry (rates, counts, latency and sender-lag
 * percentiles, quality means, the histogram, whether the SLO held, the CPU the host took), its
 * progress line, and each query's kept answer as a results.jsonl record of the step's variant.
 */
import { tookCpu } from "../report/load-markdown.js";
import type { LoadStep } from "../report/schema.js";
import type { ResultRecord } from "../results/record.js";
import type { Kept } from "./payloads.js";
import type { StepQuality } from "./quality.js";
import type { Phase } from "./search.js";
import type { StepOutcome } from "./sender.js";
import type { Slo } from "./slo.js";

/** What a step is judged and labelled by (LoadSettings' fields of the same names). */
export interface StepRules {
  slo?: Slo;
  maxErrorRate: number;
  warmupMs: number;
}

export function stepOf(
  variant: string,
  phase: "sweep" | Phase,
  rate: number,
  o: StepOutcome,
  quality: StepQuality,
  settings: StepRules,
  /** Percent of the machine's CPU the host took during the step (host-cpu.ts), when known. */
  cpuStolenPercent?: number,
): LoadStep {
  const latency = o.latency.percentiles();
  const lag = o.lag.percentiles();
  const wait = o.connectionWait.percentiles();
  const slo = settings.slo;
  const failedShare = o.requests === 0 ? 0 : (o.errors + o.dropped) / o.requests;
  return {
    variant,
    phase,
    offeredRate: rate,
    achievedRate: round(o.achievedRate),
    requests: o.requests,
    dropped: o.dropped,
    errors: o.errors,
    latency: {
      p50: round(latency.p50),
      p90: round(latency.p90),
      p95: round(latency.p95),
      p99: round(latency.p99),
      p999: round(latency.p999),
      max: round(latency.max),
    },
    senderLag: { p50: round(lag.p50), p99: round(lag.p99), max: round(lag.max) },
    connectionWait: { waited: o.waited, p50: round(wait.p50), p99: round(wait.p99), max: round(wait.max) },
    ...(cpuStolenPercent !== undefined ? { cpuStolenPercent: round(cpuStolenPercent, 1) } : {}),
    metrics: quality.means(),
    durationSeconds: o.windowMs / 1000,
    warmupSeconds: settings.warmupMs / 1000,
    errorsByKind: o.errorsByKind,
    errorsOverTime: o.errorsOverTime,
    histogram: o.latency.serialize(),
    sloMet: slo
      ? o.requests > 0 && latency[slo.percentile] < slo.thresholdMs && failedShare <= settings.maxErrorRate
      : null,
  };
}

export function stepLine(s: LoadStep): string {
  const verdict = s.sloMet === null ? "" : s.sloMet ? ", SLO held" : ", SLO missed";
  const w = s.connectionWait;
  const waits = w?.waited ? `, ${w.waited} waited for a connection (p99 ${w.p99} ms)` : "";
  const stolen = tookCpu(s) ? `, the host took ${s.cpuStolenPercent} % of the CPU` : "";
  return (
    `step ${s.variant}: offered ${s.offeredRate}/s, achieved ${s.achievedRate}/s, ${s.requests} requests, ` +
    `${s.dropped} dropped, ${s.errors} errors, p50 ${s.latency.p50} ms, p99 ${s.latency.p99} ms, ` +
    `sender lag p99 ${s.senderLag.p99} ms${waits}${stolen}${verdict}`
  );
}

export function recordOf(k: Kept, variant: string, t0: number): ResultRecord {
  const times = {
    startedAt: new Date(k.startedAt).toISOString(),
    finishedAt: new Date(k.startedAt + (k.end - k.start)).toISOString(),
    startMs: k.start - t0,
    endMs: k.end - t0,
  };
  if ("result" in k) {
    const { result } = k;
    return {
      variant,
      qid: k.p.qid,
      ranking: { docIds: k.docIds, scores: k.scores },
      candidates: k.p.documents.length,
      attemptLatenciesMs: result.attemptLatenciesMs,
      latencyMs: result.latencyMs,
      attempts: result.attempts,
      requests: result.requests,
      ...(result.usage ? { usage: result.usage } : {}),
      scoreKind: result.scoreKind,
      notes: result.notes,
      ...times,
    };
  }
  const e = k.error;
  return {
    variant,
    qid: k.p.qid,
    ranking: { docIds: [], scores: [] },
    candidates: k.p.documents.length,
    attemptLatenciesMs: e?.attemptLatenciesMs ?? [],
    latencyMs: k.end - k.start,
    attempts: e?.attempts ?? 1,
    requests: 1,
    notes: [],
    error: {
      kind: e?.kind ?? "error",
      ...(e?.status !== undefined ? { status: e.status } : {}),
      message: k.message,
    },
    ...times,
  };
}

function round(x: number, decimals = 3): number {
  const scale = 10 ** decimals;
  return Math.round(x * scale) / scale;
}
