/**
 * Gate expressions of `compare` (docs/ci.md): "<subject> <op> <number>[unit]", and the gate fails
 * when the expression is true of a candidate. The number says what is measured:
 *   - with "%": the change relative to the base ("nDCG@10 < -2%", "p95 > +20%", "cost > +10%");
 *   - signed ("+20", "-0.01") or in ms with a sign ("+50ms"): the change (candidate − base);
 *   - unsigned: the candidate's own value ("nDCG@10 < 0.5", "p99 > 800ms", "failures > 0").
 * Subjects: a measure of the reports; a query-latency percentile (p50 p90 p95 p99 max mean);
 * "failures" (failed tasks); "cost" (per 1,000 queries). Drift gates (--max-drift) take rbo@k,
 * tau@k, top1 and score (mean |score delta|), always as the value itself.
 */
import { UsageError } from "../errors.js";
import { count } from "../text/words.js";
import type { CompareComparison, ComparedPair } from "./compare.js";

export type GateKind = "quality" | "latency" | "failures" | "cost" | "drift" | "non-inferior";

export interface Gate {
  /** As the user typed it. */
  text: string;
  kind: GateKind;
  /** Measure name, latency percentile, "failures", "cost", or the drift figure ("rbo", "tau", "top1", "score"). */
  subject: string;
  /** The drift figure's depth (rbo@10 → 10). */
  k?: number;
  op: "<" | ">";
  threshold: number;
  mode: "value" | "change" | "relative";
}

const EXPRESSION = /^\s*([^\s<>]+)\s*([<>])\s*([+-])?\s*(\d+(?:\.\d+)?|\.\d+)\s*(%|ms)?\s*$/;
export const LATENCY_FIELDS = ["p50", "p90", "p95", "p99", "max", "mean"] as const;

/** A --fail-on expression; `measures` are the names the reports know (the subject is matched case-insensitively). */
export function parseFailOn(text: string, measures: readonly string[]): Gate {
  const m = EXPRESSION.exec(text);
  if (!m) throw bad("--fail-on", text, 'expected "<measure|p95|failures|cost> <|> <number>[%|ms]"');
  const [, rawSubject, op, sign, digits, unit] = m;
  const lower = rawSubject.toLowerCase();
  let threshold = Number(digits) * (sign === "-" ? -1 : 1);
  const mode = unit === "%" ? "relative" : sign ? "change" : "value";
  if (unit === "%") threshold /= 100;
  const gate = { text, op: op as "<" | ">", threshold, mode } as const;
  if ((LATENCY_FIELDS as readonly string[]).includes(lower))
    return { ...gate, kind: "latency", subject: lower };
  if (unit === "ms") throw bad("--fail-on", text, `"ms" goes with a latency (${LATENCY_FIELDS.join(", ")})`);
  if (lower === "failures") return { ...gate, kind: "failures", subject: "failures" };
  if (lower === "cost") return { ...gate, kind: "cost", subject: "cost" };
  const measure = measures.find((x) => x.toLowerCase() === lower);
  if (!measure)
    throw bad(
      "--fail-on",
      text,
      `"${rawSubject}" is not a measure of the base report (${measures.join(", ")})`,
    );
  return { ...gate, kind: "quality", subject: measure };
}

/** --non-inferior "nDCG@10:0.01": passes when the 95 % interval's lower bound of candidate − base is above −0.01. */
export function parseNonInferior(text: string, measures: readonly string[]): Gate {
  const m = /^\s*([^\s:]+)\s*:\s*(\d+(?:\.\d+)?|\.\d+)\s*$/.exec(text);
  if (!m) throw bad("--non-inferior", text, 'expected "<measure>:<margin>", e.g. "nDCG@10:0.01"');
  const measure = measures.find((x) => x.toLowerCase() === m[1].toLowerCase());
  if (!measure)
    throw bad(
      "--non-inferior",
      text,
      `"${m[1]}" is not a measure of the base report (${measures.join(", ")})`,
    );
  return { text, kind: "non-inferior", subject: measure, op: "<", threshold: -Number(m[2]), mode: "change" };
}

/** --max-drift "rbo@10 < 0.9", "tau@10 < 0.8", "top1 > 0.1", "score > 0.05". */
export function parseMaxDrift(text: string): Gate {
  const m = EXPRESSION.exec(text);
  const subject = /^(rbo|tau)@([1-9]\d*)$|^(top1|score)$/i.exec(m?.[1] ?? "");
  if (!m || !subject || m[5] || m[3] === "-")
    throw bad("--max-drift", text, 'expected "rbo@<k> < x", "tau@<k> < x", "top1 > x" or "score > x"');
  const name = (subject[1] ?? subject[3]).toLowerCase();
  return {
    text,
    kind: "drift",
    subject: name,
    ...(subject[2] ? { k: Number(subject[2]) } : {}),
    op: m[2] as "<" | ">",
    threshold: Number(m[4]),
    mode: "value",
  };
}

function bad(flag: string, text: string, why: string): UsageError {
  return new UsageError(`${flag} "${text}" does not parse: ${why}`);
}

/** Whether the gate's expression holds for `value` (the gate then fails). */
export function trips(gate: Gate, value: number): boolean {
  return gate.op === "<" ? value < gate.threshold : value > gate.threshold;
}

/** The figure a gate compares with its threshold, from the candidate's and the base's values. */
export function gateValue(gate: Gate, candidate: number, base: number): number | null {
  if (gate.mode === "value") return candidate;
  if (gate.mode === "change") return candidate - base;
  return base === 0 ? null : (candidate - base) / Math.abs(base);
}

export interface GateOutcome {
  gate: string;
  kind: Gate["kind"];
  pair: string;
  status: "passed" | "failed" | "skipped";
  value: number | null;
  /** One line: what was measured against what. */
  reason: string;
}

const fmt = (x: number, digits = 4) => (Object.is(Math.round(x * 10 ** digits), -0) ? 0 : x).toFixed(digits);
const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;

function shown(g: Gate, value: number, unit = ""): string {
  if (g.mode === "relative") return pct(value);
  const digits = unit === "ms" ? 1 : 4;
  return `${g.mode === "change" && value >= 0 ? "+" : ""}${fmt(value, digits)}${unit}`;
}

/** One gate for one variant pair: passed, failed (with why) or skipped (when it cannot be evaluated). */
export function evaluateGate(
  g: Gate,
  p: ComparedPair,
  comparisons: CompareComparison[],
  significant: boolean,
): GateOutcome {
  const out = (status: GateOutcome["status"], value: number | null, reason: string): GateOutcome => ({
    gate: g.text,
    kind: g.kind,
    pair: p.label,
    status,
    value,
    reason: `${p.label}: ${reason}`,
  });
  const verdict = (value: number | null, what: string, unit = "", extra = true) => {
    if (value === null) return out("skipped", null, `${what} undefined (base is 0)`);
    const failed = trips(g, value) && extra;
    // A candidate's own latency, failures or cost is already in `what`.
    const figure =
      g.mode === "value" && g.kind !== "quality" && g.kind !== "drift" ? "" : ` ${shown(g, value, unit)}`;
    return out(failed ? "failed" : "passed", value, `${what.replace(/,$/, "")}${figure} (gate: ${g.text})`);
  };
  switch (g.kind) {
    case "quality":
    case "non-inferior": {
      const c = comparisons.find((x) => x.pair === p.label && x.measure === g.subject);
      if (!c) return out("skipped", null, `${g.subject} not in both reports`);
      if (g.kind === "non-inferior") {
        if (!c.ci95) return out("failed", null, `${g.subject}: no 95 % interval (fewer than 2 queries)`);
        const lower = c.ci95[0];
        const ok = lower > g.threshold;
        return out(
          ok ? "passed" : "failed",
          lower,
          `${g.subject} 95 % CI of candidate − base [${fmt(c.ci95[0])}, ${fmt(c.ci95[1])}], lower bound ${ok ? "above" : "not above"} ${fmt(g.threshold)}`,
        );
      }
      const value = gateValue(g, c.candidateMean, c.baseMean);
      const v = verdict(
        value,
        `${g.subject} ${g.mode === "value" ? "mean" : "change"}`,
        "",
        !significant || c.significant,
      );
      if (significant && value !== null && trips(g, value) && !c.significant)
        v.reason += `, not significant (p adj ${c.pAdjusted === null ? "n/a" : fmt(c.pAdjusted)})`;
      else if (significant && v.status === "failed")
        v.reason += `, significant (p adj ${fmt(c.pAdjusted ?? 0)})`;
      return v;
    }
    case "latency": {
      const field = g.subject as (typeof LATENCY_FIELDS)[number];
      const b = p.latency.base?.query?.[field];
      const c = p.latency.candidate?.query?.[field];
      if (b === undefined || c === undefined)
        return out("skipped", null, `no query latency ${field} on both sides`);
      return verdict(gateValue(g, c, b), `query latency ${field} ${fmt(b, 1)} → ${fmt(c, 1)} ms,`, "ms");
    }
    case "failures":
      return verdict(
        gateValue(g, p.failures.candidate, p.failures.base),
        `failed tasks ${p.failures.base} → ${p.failures.candidate},`,
      );
    case "cost": {
      const { base: b, candidate: c } = p.cost;
      if (b === null || c === null)
        return out("skipped", null, "cost per 1k queries not known on both sides");
      return verdict(
        gateValue(g, c, b),
        `cost per 1k queries ${fmt(b)} → ${fmt(c)} ${p.cost.currency ?? ""},`,
      );
    }
    case "drift": {
      const d = p.drift?.find((x) => x.k === (g.k ?? 10));
      const value =
        g.subject === "rbo"
          ? d?.rbo
          : g.subject === "tau"
            ? d?.tau
            : g.subject === "top1"
              ? d?.top1
              : d?.scoreDelta;
      if (value === null || value === undefined) return out("skipped", null, `drift ${g.subject} undefined`);
      return verdict(value, `mean ${g.subject}${g.k ? `@${g.k}` : ""} over ${d?.queries} queries`);
    }
  }
}

/** "2 of 5 gates failed: …", naming every failure. */
export function gateSummary(gates: GateOutcome[]): string {
  const failed = gates.filter((g) => g.status === "failed");
  const head = `${failed.length} of ${count(gates.length, "gate")} failed`;
  return failed.length ? `${head}: ${failed.map((g) => g.reason).join("; ")}` : head;
}
