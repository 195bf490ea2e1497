/**
 * What the statistics add to writing a real report: `significance()` as buildReport calls it, on a
 * 1,000-query, 10-variant report with the default 7 headline measures (each variant against the
 * baseline on each, every variant's own interval on each, Holm over all, Tukey HSD on the primary
 * measure; 10,000 resamples and permutations). Target: under 2 s. Complements bench/stats.ts,
 * which times the 45 all-pairs comparisons of the figure.
 *
 *   node bench/run.mjs report-stats   (or: npx tsx bench/report-stats.ts [--queries 1000] [--variants 10])
 */
import { cpus, loadavg } from "node:os";
// The built code (prebench builds it): what users run, and where the Tukey worker is plain JavaScript.
import { lastJoin } from "../dist/metrics/stats/aside.js";
import { significance } from "../dist/report/significance.js";
import type { ReportVariant } from "../dist/report/types.js";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const QUERIES = arg("queries", 1000);
const VARIANTS = arg("variants", 10);
const HEADLINE = ["nDCG@1", "nDCG@3", "nDCG@5", "nDCG@10", "RR@10", "AP", "R@10"];

let s = 12345;
const u = () => {
  s = (Math.imul(s, 1103515245) + 12345) >>> 0;
  return s / 4294967296;
};
const qids = Array.from({ length: QUERIES }, (_, i) => `q${i}`);
const difficulty = qids.map(() => u());
const variants = Array.from({ length: VARIANTS }, (_, v) => {
  const perQuery: Record<string, Record<string, number>> = {};
  const metrics: ReportVariant["metrics"] = {};
  for (const m of HEADLINE) {
    const col: Record<string, number> = {};
    let sum = 0;
    qids.forEach((q, i) => {
      const x =
        Math.round(Math.min(1, Math.max(0, difficulty[i] + 0.004 * v + 0.3 * (u() - 0.5))) * 1e4) / 1e4;
      col[q] = x;
      sum += x;
    });
    perQuery[m] = col;
    metrics[m] = { mean: sum / QUERIES, ci95: null };
  }
  return { id: `model-${v}`, perQuery, metrics } as unknown as ReportVariant;
});

const lost = new Map(variants.map((v) => [v.id, new Set<string>()]));
const opts = { alpha: 0.05, correction: "holm" as const, resamples: 10_000, permutations: 10_000, seed: 42 };
const times: number[] = [];
for (let run = 0; run < 3; run++) {
  const t = performance.now();
  const r = significance(variants, "model-0", { headline: HEADLINE, primary: "nDCG@10" }, qids, lost, opts);
  times.push((performance.now() - t) / 1000);
  if (run === 0)
    console.log(
      `${r.comparisons.length} comparisons, groups on ${r.groups?.measure} (Tukey ${lastJoin.aside ? "on a second core" : "inline"}), MDE ${r.power?.mde?.toFixed(4)}`,
    );
}
console.log(
  `${QUERIES} queries × ${VARIANTS} variants × ${HEADLINE.length} headline measures; load ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`,
);
console.log(
  `first run ${times[0].toFixed(2)} s, best of 3 ${Math.min(...times).toFixed(2)} s; target < 2 s: ${times[0] < 2 ? "met" : "MISSED"}`,
);
