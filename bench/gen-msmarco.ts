/**
 * Generates a MS MARCO passage-sized TREC run and qrels in bench/data/ (git-ignored):
 * 6,980 queries (the dev set's size) × 1,000 passages, about 250 MB, one relevant passage per query.
 * Deterministic (fixed seed); an existing pair is reused. `npx tsx bench/gen-msmarco.ts [--force]`.
 *
 * Realism where it matters for speed: MS MARCO-like numeric ids (qids up to ~1.1M, passage ids up to
 * 8,841,822), BM25-like descending scores with 3 decimals (so scores tie now and then: the tie
 * rule's id comparisons are exercised), a run tag, and the relevant passage retrieved for ~85 % of
 * the queries at a rank skewed towards the top (BM25's recall@1000 on MS MARCO dev is ~0.85).
 */
import { createWriteStream, existsSync, mkdirSync, statSync } from "node:fs";
import { rename } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { mulberry32 } from "../src/server/seeded.js";

export const DATA_DIR = join(dirname(fileURLToPath(import.meta.url)), "data");
export const RUN_FILE = join(DATA_DIR, "msmarco-run.trec");
export const QRELS_FILE = join(DATA_DIR, "msmarco-qrels.txt");
const QUERIES = 6980;
const DEPTH = 1000;
const PASSAGES = 8_841_823;

async function write(
  path: string,
  produce: (push: (s: string) => Promise<void>) => Promise<void>,
): Promise<void> {
  const out = createWriteStream(path);
  let pending = "";
  const push = async (s: string) => {
    pending += s;
    if (pending.length > 1 << 20) {
      const chunk = pending;
      pending = "";
      if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
    }
  };
  await produce(push);
  out.end(pending);
  await new Promise<void>((resolve, reject) => {
    out.on("finish", resolve);
    out.on("error", reject);
  });
}

export async function generate(force = false): Promise<{ run: string; qrels: string; bytes: number }> {
  if (!force && existsSync(RUN_FILE) && existsSync(QRELS_FILE)) {
    return { run: RUN_FILE, qrels: QRELS_FILE, bytes: statSync(RUN_FILE).size };
  }
  mkdirSync(DATA_DIR, { recursive: true });
  const random = mulberry32(20240607);
  const qids: number[] = [];
  const qidSet = new Set<number>();
  while (qids.length < QUERIES) {
    const q = 1_048_000 + Math.floor(random() * 60_000) - (qids.length % 2 ? 1_000_000 : 0);
    if (!qidSet.has(q)) {
      qidSet.add(q);
      qids.push(q);
    }
  }
  const relevant = new Map<number, number>();
  await write(`${RUN_FILE}.tmp`, async (push) => {
    for (const qid of qids) {
      const seen = new Set<number>();
      const rel = Math.floor(random() * PASSAGES);
      relevant.set(qid, rel);
      // Skewed rank for the relevant passage; -1 = not retrieved.
      const relRank = random() < 0.85 ? Math.floor(DEPTH * random() ** 3) : -1;
      let score = 18 + random() * 8;
      let lines = "";
      for (let rank = 0; rank < DEPTH; rank++) {
        let pid = rank === relRank ? rel : Math.floor(random() * PASSAGES);
        while (seen.has(pid) || (pid === rel && rank !== relRank)) pid = Math.floor(random() * PASSAGES);
        seen.add(pid);
        score -= random() * 0.012;
        lines += `${qid} Q0 ${pid} ${rank + 1} ${score.toFixed(3)} bm25-d\n`;
      }
      await push(lines);
    }
  });
  await write(QRELS_FILE, async (push) => {
    for (const [qid, pid] of relevant) await push(`${qid} 0 ${pid} 1\n`);
  });
  await rename(`${RUN_FILE}.tmp`, RUN_FILE);
  return { run: RUN_FILE, qrels: QRELS_FILE, bytes: statSync(RUN_FILE).size };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t0 = performance.now();
  const r = await generate(process.argv.includes("--force"));
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(`run   ${r.run} (${(r.bytes / 1e6).toFixed(1)} MB)\nqrels ${r.qrels}\n(${s} s)`);
}
