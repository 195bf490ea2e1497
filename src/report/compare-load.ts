/**
 * `compare` on load reports (`rerank-eval load`, e.g. TEI against vLLM at the same offered rates):
 * step by step at each offered rate both sides ran, the latency percentiles, the achieved rate, the
 * errors and the quality of each side and their difference; rates only one side ran are listed, not
 * dropped. Gates (--fail-on) are evaluated at every common rate: a candidate whose p95 is 20 % worse
 * at one rate fails there, named with its rate.
 */
import { InputError, UsageError } from "../errors.js";
import { type CompareSource, checkComparable } from "./compare.js";
import { type Gate, type GateOutcome, gateValue, type LATENCY_FIELDS, trips } from "./compare-gates.js";
import type { LoadStep } from "./schema.js";
import type { Report } from "./types.js";

export const LOAD_PERCENTILES = ["p50", "p90", "p95", "p99", "p999", "max"] as const;
type Percentile = (typeof LOAD_PERCENTILES)[number];

/** One side's step at an offered rate. */
export interface LoadSide {
  /** The step's variant id in its report. */
  step: string;
  achievedRate: number;
  requests: number;
  dropped: number;
  errors: number;
  /** (errors + dropped) / requests: what the SLO's error budget counts. */
  errorRate: number;
  latency: Record<Percentile, number>;
  senderLagP99: number;
  /** The step's mean of the primary measure (null when the step has none). */
  quality: number | null;
  /** Every measure's step mean. */
  metrics: Record<string, number>;
  sloMet: boolean | null;
}

export interface LoadRate {
  offeredRate: number;
  base: LoadSide | null;
  candidate: LoadSide | null;
  /** candidate − base, when both sides ran this rate. */
  delta: {
    achievedRate: number;
    latency: Record<Percentile, number>;
    errors: number;
    errorRate: number;
    quality: number | null;
  } | null;
}

export interface LoadPair {
  candidate: string;
  /** "A → B": the two reports' labels. */
  label: string;
  /** Every offered rate of either side, ascending. */
  rates: LoadRate[];
  onlyBase: number[];
  onlyCandidate: number[];
  maxRate: { base: number | null; candidate: number | null };
  slo: { base: string | null; candidate: string | null };
}

export interface LoadCompareResult {
  tool: "rerank-eval compare";
  kind: "load";
  base: { label: string; fingerprint: string; endpoint: string };
  candidates: { label: string; fingerprint: string; endpoint: string }[];
  /** The quality measure shown per step (the base report's primary). */
  measure: string;
  pairs: LoadPair[];
  gates: GateOutcome[];
  notes: string[];
}

export interface LoadCompareOptions {
  allowDifferentDatasets: boolean;
  gates: Gate[];
}

/** Both sides must be load reports, or neither: one line saying which is which. */
export function isLoadComparison(base: CompareSource, candidates: CompareSource[]): boolean {
  const all = [base, ...candidates];
  const load = all.filter((s) => s.report.load);
  if (load.length === 0) return false;
  if (load.length === all.length) return true;
  const other = all.find((s) => !s.report.load) as CompareSource;
  throw new InputError(
    `${load[0].label} is a load report and ${other.label} is not; compare takes reports of one kind (both from \`load\`, or both from \`run\`)`,
  );
}

export function compareLoadReports(
  base: CompareSource,
  candidates: CompareSource[],
  o: LoadCompareOptions,
): LoadCompareResult {
  if (!o.allowDifferentDatasets) for (const c of candidates) checkComparable(base, c);
  for (const g of o.gates)
    if (g.kind === "drift" || g.kind === "non-inferior" || g.kind === "cost")
      throw new UsageError(
        `"${g.text}": load reports are compared per offered rate on latency, errors (failures) and quality; ${g.kind} gates do not apply`,
      );
    else if (g.kind === "latency" && g.subject === "mean")
      throw new UsageError(`"${g.text}": load steps keep latency percentiles (p50 … max), not a mean`);
  const measure = base.report.front.measure || base.report.headline[0] || "";
  const notes: string[] = [];
  // The base's steps once: its "ran more than once" notes are said once, however many candidates.
  const baseSteps = stepsByRate(base, notes);
  const pairs = candidates.map((cand) => pairOf(base, baseSteps, cand, measure, notes));
  const gates = o.gates.flatMap((g) => pairs.flatMap((p) => gateAtRates(g, p)));
  return {
    tool: "rerank-eval compare",
    kind: "load",
    base: describe(base),
    candidates: candidates.map(describe),
    measure,
    pairs,
    gates,
    notes,
  };
}

function describe(s: CompareSource) {
  const endpoints = [
    ...new Set(s.report.variants.map((v) => `${v.model ?? v.name} at ${v.endpoint ?? "—"}`)),
  ];
  return { label: s.label, fingerprint: s.report.dataset.fingerprint, endpoint: endpoints.join(", ") };
}

/** Offered rate → the step; a rate run twice (a search revisiting it) keeps its last step, noted. */
function stepsByRate(s: CompareSource, notes: string[]): Map<number, LoadStep> {
  const byRate = new Map<number, LoadStep>();
  for (const step of s.report.load?.steps ?? []) {
    if (byRate.has(step.offeredRate))
      notes.push(
        `${s.label}: ${step.offeredRate}/s ran more than once; its last step (${step.variant}) is compared`,
      );
    byRate.set(step.offeredRate, step);
  }
  return byRate;
}

function sideOf(step: LoadStep, measure: string): LoadSide {
  return {
    step: step.variant,
    achievedRate: step.achievedRate,
    requests: step.requests,
    dropped: step.dropped,
    errors: step.errors,
    errorRate: step.requests === 0 ? 0 : (step.errors + step.dropped) / step.requests,
    latency: Object.fromEntries(LOAD_PERCENTILES.map((p) => [p, step.latency[p]])) as LoadSide["latency"],
    senderLagP99: step.senderLag.p99,
    quality: step.metrics[measure] ?? null,
    metrics: step.metrics,
    sloMet: step.sloMet,
  };
}

function pairOf(
  base: CompareSource,
  b: Map<number, LoadStep>,
  cand: CompareSource,
  measure: string,
  notes: string[],
): LoadPair {
  const c = stepsByRate(cand, notes);
  const all = [...new Set([...b.keys(), ...c.keys()])].sort((x, y) => x - y);
  const rates = all.map((offeredRate): LoadRate => {
    const bs = b.get(offeredRate);
    const cs = c.get(offeredRate);
    const bSide = bs ? sideOf(bs, measure) : null;
    const cSide = cs ? sideOf(cs, measure) : null;
    return {
      offeredRate,
      base: bSide,
      candidate: cSide,
      delta: bSide && cSide ? deltaOf(bSide, cSide) : null,
    };
  });
  const common = rates.filter((r) => r.delta).length;
  if (common === 0)
    notes.push(`${base.label} and ${cand.label} share no offered rate: nothing is compared step by step`);
  const sloText = (r: Report) => r.load?.slo?.text ?? null;
  const slo = { base: sloText(base.report), candidate: sloText(cand.report) };
  if (slo.base !== slo.candidate && slo.base !== null && slo.candidate !== null)
    notes.push(`the SLOs differ (${slo.base} vs ${slo.candidate}): the max rates answer different questions`);
  return {
    candidate: cand.label,
    label: `${base.label} → ${cand.label}`,
    rates,
    onlyBase: rates.filter((r) => r.base && !r.candidate).map((r) => r.offeredRate),
    onlyCandidate: rates.filter((r) => r.candidate && !r.base).map((r) => r.offeredRate),
    maxRate: { base: base.report.load?.maxRate ?? null, candidate: cand.report.load?.maxRate ?? null },
    slo,
  };
}

function deltaOf(b: LoadSide, c: LoadSide): NonNullable<LoadRate["delta"]> {
  return {
    achievedRate: c.achievedRate - b.achievedRate,
    latency: Object.fromEntries(
      LOAD_PERCENTILES.map((p) => [p, c.latency[p] - b.latency[p]]),
    ) as LoadSide["latency"],
    errors: c.errors - b.errors,
    errorRate: c.errorRate - b.errorRate,
    quality: b.quality !== null && c.quality !== null ? c.quality - b.quality : null,
  };
}

/** A --fail-on gate at each rate both sides ran: latency percentiles, failures (errors + dropped), quality. */
function gateAtRates(g: Gate, p: LoadPair): GateOutcome[] {
  const common = p.rates.filter((r) => r.base && r.candidate);
  if (common.length === 0)
    return [
      {
        gate: g.text,
        kind: g.kind,
        pair: p.label,
        status: "skipped",
        value: null,
        reason: `${p.label}: no common offered rate`,
      },
    ];
  return common.map((r) => {
    const at = `${p.label} at ${r.offeredRate}/s`;
    const b = r.base as LoadSide;
    const c = r.candidate as LoadSide;
    const out = (value: number | null, what: string): GateOutcome => {
      const failed = value !== null && trips(g, value);
      return {
        gate: g.text,
        kind: g.kind,
        pair: `${p.label} @ ${r.offeredRate}/s`,
        status: value === null ? "skipped" : failed ? "failed" : "passed",
        value,
        reason: `${at}: ${what}${value === null ? ", change undefined (base is 0)" : figure(g, value)} (gate: ${g.text})`,
      };
    };
    if (g.kind === "latency") {
      const field = g.subject as Exclude<(typeof LATENCY_FIELDS)[number], "mean">;
      return out(
        gateValue(g, c.latency[field], b.latency[field]),
        `${field} ${ms(b.latency[field])} → ${ms(c.latency[field])} ms`,
      );
    }
    if (g.kind === "failures") {
      const bf = b.errors + b.dropped;
      const cf = c.errors + c.dropped;
      return out(gateValue(g, cf, bf), `errors + dropped ${bf} → ${cf}`);
    }
    // Quality: the step's mean of the measure over its answers (no per-step significance test).
    const bq = b.metrics[g.subject];
    const cq = c.metrics[g.subject];
    if (bq === undefined || cq === undefined)
      return { ...out(null, ""), reason: `${at}: ${g.subject} not in both steps, skipped (gate: ${g.text})` };
    return out(gateValue(g, cq, bq), `${g.subject} ${bq.toFixed(4)} → ${cq.toFixed(4)}`);
  });
}

const ms = (x: number) => x.toFixed(1);

/** The figure the gate compared, when it is not the candidate's own value already shown. */
function figure(g: Gate, value: number): string {
  const sign = value >= 0 ? "+" : "";
  if (g.mode === "relative") return `, ${sign}${(100 * value).toFixed(1)}%`;
  if (g.mode === "change") return `, ${sign}${value.toFixed(g.kind === "quality" ? 4 : 1)}`;
  return "";
}
