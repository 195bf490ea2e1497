/**
 * BM25 at scale (issue 11): the index built while a 1 GB BEIR corpus.jsonl streams, then the top
 * 100 of 1,000 queries. Reports the build time (wall and process CPU), the index size (bytes of its
 * typed arrays, and the heap after a full GC: the strings of the ids and terms come on top of the
 * arrays), the peak RSS of the process, and the query time (total and per-query percentiles).
 * The corpus comes from bench/gen-scale.ts (seeded; in /tmp, never in the repository):
 *
 *   npx tsx bench/gen-scale.ts beir --mb 1000
 *   npm run build && node --expose-gc --import tsx bench/retrieve-scale.ts [--dir DIR] [--queries 1000]
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { getHeapStatistics } from "node:v8";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const DIR = arg("dir", "/tmp/rerank-eval-scale/beir-1000mb-s11-q1000-d100");
const QUERIES = Number(arg("queries", "1000"));
const DEPTH = Number(arg("depth", "100"));

if (!existsSync("dist/retrieval/index.js")) {
  console.error("bench/retrieve-scale: build first (npm run build)");
  process.exit(1);
}
if (!existsSync(join(DIR, "corpus.jsonl"))) {
  console.log(
    `bench/retrieve-scale: skipped, no ${DIR}/corpus.jsonl (make it: npx tsx bench/gen-scale.ts beir --mb 1000)`,
  );
  process.exit(0);
}

const { loadBeir } = await import(`${process.cwd()}/dist/datasets/beir.js`);
const { indexBeirCorpus } = await import(`${process.cwd()}/dist/retrieval/index.js`);
const { scoreRun } = await import(`${process.cwd()}/dist/metrics/index.js`);

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
const gc = (globalThis as { gc?: () => void }).gc;
const heapUsed = () => {
  gc?.();
  return getHeapStatistics().used_heap_size;
};
const peakRss = () => process.resourceUsage().maxRSS * 1024;

const { statSync } = await import("node:fs");
const corpusBytes = statSync(join(DIR, "corpus.jsonl")).size;
const parts = await loadBeir(DIR, { keepDocs: () => new Set() });
const heap0 = heapUsed();
const rss0 = peakRss();

let cpu = process.cpuUsage();
let t = performance.now();
const index = await indexBeirCorpus(parts.files[0]);
const buildMs = performance.now() - t;
const buildCpu = cpuMs(process.cpuUsage(cpu));
const rssBuild = peakRss();
const heapIndex = heapUsed() - heap0;
console.log(
  `corpus ${mib(corpusBytes)}: ${index.docIds.length} documents, ${index.termCount} terms, ` +
    `${index.postingCount} postings; built in ${(buildMs / 1000).toFixed(1)} s wall ` +
    `(${(buildCpu / 1000).toFixed(1)} s CPU, ${((corpusBytes / 2 ** 20 / buildMs) * 1000).toFixed(1)} MiB/s)`,
);
console.log(
  `index: typed arrays ${mib(index.arrayBytes)} (${(index.arrayBytes / index.postingCount).toFixed(2)} B/posting); ` +
    `heap held after the build ${gc ? mib(heapIndex) : "(run with --expose-gc)"}; ` +
    `peak RSS ${mib(rssBuild)} (before: ${mib(rss0)})`,
);

const queries = [...parts.queries].slice(0, QUERIES);
const perQuery = new Float64Array(queries.length);
const run = new Map();
cpu = process.cpuUsage();
t = performance.now();
for (let i = 0; i < queries.length; i++) {
  const [qid, text] = queries[i];
  const q0 = performance.now();
  const hits = index.search(text, { k: DEPTH });
  perQuery[i] = performance.now() - q0;
  run.set(qid, {
    docIds: hits.map((h: { docId: string }) => h.docId),
    scores: Float64Array.from(hits, (h: { score: number }) => h.score),
  });
}
const queryMs = performance.now() - t;
const queryCpu = cpuMs(process.cpuUsage(cpu));
perQuery.sort();
const pct = (p: number) =>
  perQuery[Math.min(perQuery.length - 1, Math.floor(p * perQuery.length))].toFixed(1);
const m = scoreRun(parts.qrels, run, ["nDCG@10", "R@100"]).mean;
console.log(
  `${queries.length} queries, top ${DEPTH}: ${(queryMs / 1000).toFixed(2)} s wall (${(queryCpu / 1000).toFixed(2)} s CPU), ` +
    `per query p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${perQuery[perQuery.length - 1].toFixed(1)} ms; ` +
    `peak RSS ${mib(peakRss())}; nDCG@10 ${m["nDCG@10"].toFixed(4)}, R@100 ${m["R@100"].toFixed(4)}`,
);
