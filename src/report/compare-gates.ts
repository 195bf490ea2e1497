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
