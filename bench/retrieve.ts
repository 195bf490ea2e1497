/**
 * BM25 first stage on the real BEIR SciFact set (test split, 300 queries, 5,183 documents): index
 * build while the corpus streams, then retrieval of the top 100 per query, timed as process CPU
 * (user + system) after loading the queries and judgements (target < 1 s), and nDCG@10 / R@100
 * against Anserini's BM25 flat figures (0.6789 / 0.9253, the BEIR leaderboard's Lucene baseline).
 *
 *   npm run build && npx tsx bench/retrieve.ts [--rounds 3]
 */
import { existsSync } from "node:fs";
import { join } from "node:path";

const SCIFACT = "../shared/datasets/scifact";
const ANSERINI = { "nDCG@10": 0.6789, "R@100": 0.9253 };
const rArg = process.argv.indexOf("--rounds");
const ROUNDS = rArg >= 0 ? Number(process.argv[rArg + 1]) : 3;

if (!existsSync("dist/retrieval/index.js")) {
  console.error("bench/retrieve: build first (npm run build)");
  process.exit(1);
}
if (!existsSync(join(SCIFACT, "corpus.jsonl"))) {
  console.log(
    `bench/retrieve: skipped, ${SCIFACT} is absent (the shared SciFact copy is not in this checkout)`,
  );
  process.exit(0);
}

// From dist, as users run it (tsx would time its own transform too).
const { loadBeir } = await import(`${process.cwd()}/dist/datasets/beir.js`);
const { indexBeirCorpus } = await import(`${process.cwd()}/dist/retrieval/index.js`);
const { scoreRun } = await import(`${process.cwd()}/dist/metrics/index.js`);

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

for (let round = 1; round <= ROUNDS; round++) {
  // Loading: the split's queries and judgements (no documents kept).
  const parts = await loadBeir(SCIFACT, { split: "test", keepDocs: () => new Set() });
  const cpu0 = process.cpuUsage();
  let t = performance.now();
  const index = await indexBeirCorpus(parts.files[0]);
  const indexMs = performance.now() - t;
  const indexCpu = cpuMs(process.cpuUsage(cpu0));
  t = performance.now();
  const cpu1 = process.cpuUsage();
  const run = new Map();
  for (const [qid, text] of parts.queries) {
    const hits = index.search(text, { k: 100 });
    run.set(qid, {
      docIds: hits.map((h: { docId: string }) => h.docId),
      scores: Float64Array.from(hits, (h: { score: number }) => h.score),
    });
  }
  const retrieveMs = performance.now() - t;
  const retrieveCpu = cpuMs(process.cpuUsage(cpu1));
  const total = cpuMs(process.cpuUsage(cpu0));
  const m = scoreRun(parts.qrels, run, ["nDCG@10", "R@100"]).mean;
  console.log(
    `round ${round}${round === 1 ? " (cold: JIT and stem cache)" : ""}: ${parts.queries.size} queries, ` +
      `${index.docIds.length} docs, ${index.termCount} terms, ${index.postingCount} postings ` +
      `(${(index.arrayBytes / 2 ** 20).toFixed(1)} MiB of arrays); index ${indexMs.toFixed(0)} ms wall ` +
      `(${indexCpu.toFixed(0)} ms CPU), retrieval ${retrieveMs.toFixed(0)} ms wall (${retrieveCpu.toFixed(0)} ms CPU); ` +
      `CPU after loading ${total.toFixed(0)} ms (target < 1000)`,
  );
  if (round === 1)
    for (const [name, ref] of Object.entries(ANSERINI))
      console.log(
        `  ${name}: ${m[name].toFixed(4)} (Anserini ${ref.toFixed(4)}, ${(m[name] - ref >= 0 ? "+" : "") + (m[name] - ref).toFixed(4)})`,
      );
}
