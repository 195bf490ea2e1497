/** compare.md, compare.json and the JUnit XML of `compare`: pure functions of its result. */
import { type CompareResult, gateSummary } from "./compare.js";
import type { GateOutcome } from "./compare-gates.js";
import { diffsText } from "./markdown.js";

const f4 = (x: number | null | undefined) => (x === null || x === undefined ? "–" : x.toFixed(4));
const p3 = (x: number | null) => (x === null ? "–" : x < 0.001 ? "<0.001" : x.toFixed(3));
const signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(4)}`;
const cell = (s: string) => s.replace(/\|/g, "\\|");

export function compareMarkdown(r: CompareResult): string {
  const lines: string[] = [];
  const failed = r.gates.filter((g) => g.status === "failed").length;
  lines.push("# rerank-eval compare", "");
  lines.push(
    `Base: \`${r.base.label}\` · candidate${r.candidates.length > 1 ? "s" : ""}: ${r.candidates.map((c) => `\`${c.label}\``).join(", ")}`,
  );
  lines.push("");
  if (r.gates.length) lines.push(`**${failed ? "❌" : "✅"} ${gateSummary(r.gates).split(":")[0]}**`, "");
  lines.push("## Quality", "");
  lines.push(
    `Candidate − base over the queries both evaluated; 95 % paired bootstrap interval, randomization p, ${r.settings.correction === "holm" ? "Holm" : "Benjamini–Hochberg"} over all ${r.comparisons.length} comparisons (α ${r.settings.alpha}).`,
    "",
  );
  lines.push("| pair | measure | base | candidate | Δ | 95 % CI | p | p adj | W/T/L | sig |");
  lines.push("|---|---|--:|--:|--:|---|--:|--:|---|:-:|");
  for (const c of r.comparisons)
    lines.push(
      `| ${cell(c.pair)} | ${c.measure} | ${f4(c.baseMean)} | ${f4(c.candidateMean)} | ${signed(c.delta)} | ${c.ci95 ? `[${signed(c.ci95[0])}, ${signed(c.ci95[1])}]` : "–"} | ${p3(c.pRandomization)} | ${p3(c.pAdjusted)} | ${c.wins}/${c.ties}/${c.losses} | ${c.significant ? "✱" : ""} |`,
    );
  lines.push("", "## Latency, failures, cost", "");
  lines.push("| pair | query p95 ms | query p99 ms | failed tasks | cost / 1k queries |");
  lines.push("|---|--:|--:|--:|--:|");
  const ms = (x: number | undefined) => (x === undefined ? "–" : x.toFixed(1));
  for (const p of r.pairs) {
    const b = p.latency.base?.query;
    const c = p.latency.candidate?.query;
    lines.push(
      `| ${cell(p.label)} | ${ms(b?.p95)} → ${ms(c?.p95)} | ${ms(b?.p99)} → ${ms(c?.p99)} | ${p.failures.base} → ${p.failures.candidate} | ${f4(p.cost.base)} → ${f4(p.cost.candidate)} |`,
    );
  }
  if (r.pairs.some((p) => p.drift)) {
    lines.push("", "## Ranking drift", "");
    lines.push(
      "Means over the queries both answered: Kendall's τ-b over the union of the top-k lists, RBO_ext@k (p = 0.9), top-1 change rate, mean |score Δ| on common documents.",
      "",
    );
    lines.push("| pair | k | queries | τ-b | RBO | top-1 changed | mean \\|score Δ\\| |");
    lines.push("|---|--:|--:|--:|--:|--:|--:|");
    for (const p of r.pairs)
      for (const d of p.drift ?? [])
        lines.push(
          `| ${cell(p.label)} | ${d.k} | ${d.queries} | ${f4(d.tau)} | ${f4(d.rbo)} | ${f4(d.top1)} | ${f4(d.scoreDelta)} |`,
        );
  }
  const diffs = diffsText(r.rankingDiffs);
  if (diffs.length) lines.push("", "## Where the candidates differ most from the base", "", ...diffs);
  if (r.gates.length) {
    lines.push("", "## Gates", "");
    lines.push("| gate | status | detail |", "|---|---|---|");
    for (const g of r.gates)
      lines.push(
        `| \`${cell(g.gate)}\` | ${g.status === "failed" ? "❌ failed" : g.status === "passed" ? "✅ passed" : "➖ skipped"} | ${cell(g.reason)} |`,
      );
  }
  const notes = [
    ...r.notes,
    ...(r.unmatched.length ? [`without a counterpart: ${r.unmatched.join(", ")}`] : []),
  ];
  if (notes.length) lines.push("", "## Notes", "", ...notes.map((n) => `- ${n}`));
  return `${lines.join("\n")}\n`;
}

/** compare.json: the result as is, per-query drift included (it is what a later look needs). */
export function compareJson(r: object): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

const xml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c] as string,
  );

/** JUnit XML: one <testcase> per gate and variant pair, a <failure> with the reason when it fails. */
export function compareJUnit(r: { gates: GateOutcome[] }): string {
  const failures = r.gates.filter((g) => g.status === "failed").length;
  const skipped = r.gates.filter((g) => g.status === "skipped").length;
  const cases = r.gates.map((g) => {
    const open = `    <testcase classname="rerank-eval.compare" name="${xml(`${g.gate} [${g.pair}]`)}">`;
    if (g.status === "failed")
      return `${open}\n      <failure message="${xml(g.reason)}">${xml(g.reason)}</failure>\n    </testcase>`;
    if (g.status === "skipped")
      return `${open}\n      <skipped message="${xml(g.reason)}"/>\n    </testcase>`;
    return `${open}</testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${r.gates.length}" failures="${failures}">`,
    `  <testsuite name="rerank-eval compare" tests="${r.gates.length}" failures="${failures}" skipped="${skipped}" errors="0">`,
    ...cases,
    "  </testsuite>",
    "</testsuites>",
    "",
  ].join("\n");
}
