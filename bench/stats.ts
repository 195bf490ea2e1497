/**
 * The comparison statistics of a 1,000-query, 10-variant report: all 45 pairwise comparisons
 * (paired bootstrap BCa interval with 10,000 resamples, randomization test with 10,000 sign
 * patterns, t-test, effect size, power) plus a randomized Tukey HSD with 10,000 permutations, in
 * process, against the target of 2 s in total. Prints the wall time of each part (first run, which
 * includes JIT warm-up, and best of 3) with the process's CPU time beside it (on a busy machine the
 * wall time includes waiting for a core), and checks that every run gives byte-identical JSON.
 *
 *   node bench/run.mjs stats        (or: npx tsx bench/stats.ts [--queries 1000] [--variants 10])
 */
import { cpus, loadavg } from "node:os";
import { pairedComparisons, startTukeyHSD } from "../dist/metrics/index.js";
// The built code (prebench builds it): what users run, and the only place the Tukey worker is
// plain JavaScript (from the sources it loads through tsx, which costs a second).
import { lastJoin } from "../dist/metrics/stats/aside.js";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const QUERIES = arg("queries", 1000);
const VARIANTS = arg("variants", 10);
const RUNS = 3;
const TARGET_S = 2;

/** nDCG-like per-query scores: a query difficulty, a small per-variant effect, noise, ties at 0 and 1. */
function scores(): Record<string, number[]> {
  let s = 12345;
  const u = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
  const difficulty = Array.from({ length: QUERIES }, () => u());
  const out: Record<string, number[]> = {};
  for (let v = 0; v < VARIANTS; v++)
    out[`model-${v}`] = difficulty.map((d) => {
      const x = d + 0.004 * v + 0.3 * (u() - 0.5);
      return Math.round(Math.min(1, Math.max(0, x)) * 1e4) / 1e4;
    });
  return out;
}

const data = scores();
const ids = Object.keys(data);
const pairs = ids.flatMap((a, i) => ids.slice(i + 1).map((b) => [a, b] as const));
const opts = { seed: 42, resamples: 10_000, permutations: 10_000 };

function once() {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  // As a report does it: Tukey's permutations start first (on the second core when there is one),
  // the comparisons run meanwhile, then Tukey is joined; "Tukey" is the wait at the join.
  const pending = startTukeyHSD(data, { seed: 42, permutations: 10_000 });
  const comparisons = pairedComparisons(data, pairs, opts);
  const t1 = performance.now();
  const tukey = pending.join();
  const t2 = performance.now();
  const cpu = process.cpuUsage(c0);
  return {
    aside: lastJoin.aside,
    pairsS: (t1 - t0) / 1000,
    tukeyS: (t2 - t1) / 1000,
    cpuS: (cpu.user + cpu.system) / 1e6,
    json: JSON.stringify({ comparisons, tukey }),
  };
}

console.log(`${QUERIES} queries × ${VARIANTS} variants: ${pairs.length} pairwise comparisons + Tukey HSD`);
// Wall time on a shared machine depends on what else runs: the load average says how much did.
console.log(`load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`);
const runs = Array.from({ length: RUNS }, once);
const fmt = (r: (typeof runs)[number]) =>
  `pairs ${r.pairsS.toFixed(2)} s + Tukey's join ${r.tukeyS.toFixed(2)} s = ${(r.pairsS + r.tukeyS).toFixed(2)} s wall` +
  ` (CPU of all threads ${r.cpuS.toFixed(2)} s; Tukey ${r.aside ? "on a second core" : "inline"})`;
const best = runs.reduce((a, b) => (b.pairsS + b.tukeyS < a.pairsS + a.tukeyS ? b : a));
console.log(`first run:      ${fmt(runs[0])}`);
console.log(`best of ${RUNS}:      ${fmt(best)}`);
console.log(
  `target < ${TARGET_S} s: ${runs[0].pairsS + runs[0].tukeyS < TARGET_S ? "met" : "NOT met"} (first run)`,
);
console.log(`byte-identical across runs: ${runs.every((r) => r.json === runs[0].json)}`);
const tukey = JSON.parse(runs[0].json).tukey;
console.log(`letters: ${ids.map((id) => `${id} ${tukey.letters[id]}`).join(", ")}`);
