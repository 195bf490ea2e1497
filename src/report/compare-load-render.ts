/** compare.md and the summary lines of `compare` on load reports: pure functions of its result. */
import { gateSummary } from "./compare-gates.js";
import type { LoadCompareResult, LoadPair, LoadRate, LoadSide } from "./compare-load.js";
import { rateText as rate } from "./load-markdown.js";

const cell = (s: string) => s.replace(/\|/g, "\\|");
const signed = (x: number, digits: number) => `${x >= 0 ? "+" : ""}${x.toFixed(digits)}`;
const rates = (xs: number[]) => xs.map((x) => `${rate(x)}/s`).join(", ");

/** "base → candidate (Δ)" for a figure both sides have; one side's figure alone otherwise. */
function both(
  r: LoadRate,
  pick: (s: LoadSide) => number | null,
  digits: number,
  unit = "",
  percent = false,
): string {
  const show = (x: number | null) =>
    x === null ? "–" : percent ? `${(100 * x).toFixed(digits)} %` : `${x.toFixed(digits)}${unit}`;
  const b = r.base ? pick(r.base) : null;
  const c = r.candidate ? pick(r.candidate) : null;
  if (!r.base) return `– → ${show(c)}`;
  if (!r.candidate) return `${show(b)} → –`;
  const d =
    b !== null && c !== null ? ` (${percent ? signed(100 * (c - b), digits) : signed(c - b, digits)})` : "";
  return `${show(b)} → ${show(c)}${d}`;
}

function pairTable(p: LoadPair, measure: string): string[] {
  const lines = [
    `| offered /s | achieved /s | p50 ms | p95 ms | p99 ms | p99.9 ms | max ms | errors + dropped | error rate |${measure ? ` ${cell(measure)} |` : ""}`,
    `|--:|--:|--:|--:|--:|--:|--:|--:|--:|${measure ? "--:|" : ""}`,
  ];
  for (const r of p.rates) {
    const cells = [
      `${rate(r.offeredRate)}${r.delta ? "" : r.base ? " (base only)" : " (candidate only)"}`,
      both(r, (s) => s.achievedRate, 1),
      both(r, (s) => s.latency.p50, 1),
      both(r, (s) => s.latency.p95, 1),
      both(r, (s) => s.latency.p99, 1),
      both(r, (s) => s.latency.p999, 1),
      both(r, (s) => s.latency.max, 1),
      both(r, (s) => s.errors + s.dropped, 0),
      both(r, (s) => s.errorRate, 1, "", true),
      ...(measure ? [both(r, (s) => s.quality, 4)] : []),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines;
}

export function loadCompareMarkdown(r: LoadCompareResult): string {
  const lines: string[] = ["# rerank-eval compare: load", ""];
  const failed = r.gates.filter((g) => g.status === "failed").length;
  lines.push(`Base: \`${r.base.label}\` (${r.base.endpoint})`);
  for (const c of r.candidates) lines.push(`Candidate: \`${c.label}\` (${c.endpoint})`);
  lines.push("");
  if (r.gates.length) lines.push(`**${failed ? "❌" : "✅"} ${gateSummary(r.gates).split(":")[0]}**`, "");
  lines.push(
    "Per offered rate, base → candidate (candidate − base). Latency is measured from each request's intended send time (coordinated omission corrected); errors + dropped over the requests scheduled is the error rate" +
      (r.measure ? `; ${r.measure} is the step's mean over its answers.` : "."),
  );
  for (const p of r.pairs) {
    lines.push("", `## ${cell(p.label)}`, "", ...pairTable(p, r.measure), "");
    if (p.onlyBase.length) lines.push(`- Rates only the base ran: ${rates(p.onlyBase)}`);
    if (p.onlyCandidate.length) lines.push(`- Rates only the candidate ran: ${rates(p.onlyCandidate)}`);
    if (p.slo.base || p.slo.candidate) {
      const side = (slo: string | null, max: number | null) =>
        slo === null ? "no SLO" : `${max === null ? "no rate held" : `${rate(max)}/s`} (${slo})`;
      lines.push(
        `- Highest rate holding the SLO: base ${side(p.slo.base, p.maxRate.base)}, candidate ${side(p.slo.candidate, p.maxRate.candidate)}`,
      );
    }
  }
  if (r.gates.length) {
    lines.push("", "## Gates", "", "| gate | status | detail |", "|---|---|---|");
    for (const g of r.gates)
      lines.push(
        `| \`${cell(g.gate)}\` | ${g.status === "failed" ? "❌ failed" : g.status === "passed" ? "✅ passed" : "➖ skipped"} | ${cell(g.reason)} |`,
      );
  }
  if (r.notes.length) lines.push("", "## Notes", "", ...r.notes.map((n) => `- ${n}`));
  return `${lines.join("\n")}\n`;
}

/** The terminal's lines: p95 and errors per common rate, the one-sided rates, the gates. */
export function loadCompareSummary(r: LoadCompareResult): string[] {
  const lines: string[] = [];
  for (const p of r.pairs) {
    lines.push(p.label);
    for (const x of p.rates) {
      if (!x.base || !x.candidate) continue;
      lines.push(
        `  ${rate(x.offeredRate)}/s  p95 ${x.base.latency.p95.toFixed(1)} → ${x.candidate.latency.p95.toFixed(1)} ms  achieved ${x.base.achievedRate.toFixed(1)} → ${x.candidate.achievedRate.toFixed(1)}/s  errors ${x.base.errors + x.base.dropped} → ${x.candidate.errors + x.candidate.dropped}`,
      );
    }
    if (p.onlyBase.length) lines.push(`  only the base ran ${rates(p.onlyBase)}`);
    if (p.onlyCandidate.length) lines.push(`  only the candidate ran ${rates(p.onlyCandidate)}`);
  }
  for (const g of r.gates) lines.push(`${g.status.padEnd(7)} ${g.reason}`);
  if (r.gates.length) lines.push(gateSummary(r.gates).split(":")[0]);
  return lines;
}
