/**
 * Time and peak memory of a whole `rerank-eval run` over the real BEIR SciFact set (test split,
 * 300 queries, 5,183 documents) with `--candidates qrels` (the judged pool) against the embedded
 * reference server (bm25 and tfidf), as a separate process measured by /usr/bin/time (maxRSS).
 *
 *   npm run build && npx tsx bench/scifact.ts [--concurrency 8]
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const SCIFACT = "../shared/datasets/scifact";
const OUT = "bench/data/scifact";
const jArg = process.argv.indexOf("--concurrency");
const J = jArg >= 0 ? process.argv[jArg + 1] : "8";

if (!existsSync("dist/cli/main.js")) {
  console.error("bench/scifact: build first (npm run build)");
  process.exit(1);
}
if (!existsSync(join(SCIFACT, "corpus.jsonl"))) {
  console.log(
    `bench/scifact: skipped, ${SCIFACT} is absent (the shared SciFact copy is not in this checkout)`,
  );
  process.exit(0);
}

const args = ["dist/cli/main.js", "run", "--dataset", SCIFACT, "--split", "test", "--candidates", "qrels"];
args.push("--model", "bm25", "--model", "tfidf", "--endpoint", "embedded", "-j", J, "--out", OUT, "--quiet");
const timed = existsSync("/usr/bin/time");
const started = performance.now();
const r = timed
  ? spawnSync("/usr/bin/time", ["-f", "MAXRSS_KB %M", process.execPath, ...args], { encoding: "utf8" })
  : spawnSync(process.execPath, args, { encoding: "utf8" });
const wallS = (performance.now() - started) / 1000;
if (r.status !== 0) {
  console.error(r.stdout, r.stderr);
  process.exit(1);
}
const rssKb = Number(/MAXRSS_KB (\d+)/.exec(r.stderr)?.[1] ?? Number.NaN);
const report = JSON.parse(readFileSync(join(OUT, "report.json"), "utf8"));

console.log(`rerank-eval run over SciFact (test split, --candidates qrels, embedded bm25 + tfidf, -j ${J})`);
console.log(
  `  queries ${report.dataset.queries}, judgements ${report.dataset.judged}, documents ${report.dataset.documents}`,
);
console.log(`  process wall       ${wallS.toFixed(2)} s`);
console.log(
  `  report totalSeconds ${report.timing.totalSeconds.toFixed(2)} s (load + rerank + score + write)`,
);
console.log(
  `  rerankSeconds      ${report.timing.rerankSeconds.toFixed(2)} s (${report.throughput.queriesPerSecond.toFixed(0)} queries/s)`,
);
console.log(
  `  peak memory        ${timed ? `${(rssKb / 1024).toFixed(0)} MB (maxRSS)` : "n/a (/usr/bin/time missing)"}`,
);
console.log(
  `  ceiling ${report.candidates.ceiling.measure} = ${report.candidates.ceiling.mean.toFixed(4)} (judged pool: optimistic)`,
);
for (const v of report.variants) {
  console.log(
    `  ${v.id.padEnd(8)} nDCG@10 ${v.metrics["nDCG@10"].mean.toFixed(4)}  RR@10 ${v.metrics["RR@10"].mean.toFixed(4)}  p95 ${v.latency.query.p95.toFixed(1)} ms`,
  );
}
