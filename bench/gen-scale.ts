/**
 * Generates big, seeded, realistic-looking evaluation sets for the streaming benches (issue 11), in
 * /tmp by default (never in the repository). One generator, two shapes:
 *
 *   npx tsx bench/gen-scale.ts csv  --mb 100  [--out FILE] [--per-query 20] [--seed 11] [--force]
 *     a labelled CSV (query_id, query, doc_id, document, label): queries of 5–15 words, documents of
 *     50–400 words, 20 rows per query, grades 0–3, about 2 % of rows reusing a document of the
 *     previous query (same id, same text), commas and "" quotes inside documents so most fields are
 *     quoted, a few multibyte words.
 *   npx tsx bench/gen-scale.ts beir --mb 1000 [--out DIR] [--queries 1000] [--depth 100] [--seed 11]
 *     a BEIR folder: corpus.jsonl (title + text, to the size asked), queries.jsonl, qrels/test.tsv
 *     (1–5 judged documents per query, planted with the query's words so BM25 can find them) and
 *     candidates.trec: a run of `depth` documents per query (the judged ones among random others,
 *     ranked with descending scores).
 *
 * Words come from a seeded vocabulary of 30,000 pseudo-words drawn with Zipf-like frequencies
 * (exponent 1.05), so term statistics look like text to BM25. Writes stream (memory stays flat) to a
 * .tmp name that is renamed at the end; an existing output is reused unless --force.
 */
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { mulberry32 } from "../src/server/seeded.js";

export const SCALE_DIR = "/tmp/rerank-eval-scale";
const VOCABULARY = 30_000;
const ZIPF_S = 1.05;

/** A seeded vocabulary and an O(1) Zipf sampler over it (a 2^20-slot inverse-CDF table). */
export function makeWords(random: () => number): { words: string[]; pick: () => string } {
  const onsets = [
    "b",
    "c",
    "d",
    "f",
    "g",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "st",
    "tr",
    "pl",
    "ch",
    "gr",
  ];
  const vowels = ["a", "e", "i", "o", "u", "ea", "io", "ou"];
  const codas = ["", "", "n", "r", "s", "t", "l", "nd", "st"];
  const seen = new Set<string>();
  const words: string[] = [];
  while (words.length < VOCABULARY) {
    // Frequent words are short, rare ones long (as in text).
    const syllables = 1 + Math.floor(random() * (words.length < 200 ? 2 : words.length < 5000 ? 3 : 4));
    let w = "";
    for (let s = 0; s < syllables; s++) {
      // A multibyte vowel in about one word in twenty.
      const v = random() < 0.02 ? (random() < 0.5 ? "é" : "ü") : vowels[Math.floor(random() * vowels.length)];
      w += onsets[Math.floor(random() * onsets.length)] + v;
      w += codas[Math.floor(random() * codas.length)];
    }
    if (!seen.has(w)) {
      seen.add(w);
      words.push(w);
    }
  }
  const weights = words.map((_, i) => 1 / (i + 1) ** ZIPF_S);
  const total = weights.reduce((a, b) => a + b, 0);
  const SLOTS = 1 << 20;
  const table = new Uint16Array(SLOTS);
  let cumulative = 0;
  let slot = 0;
  for (let i = 0; i < words.length; i++) {
    cumulative += weights[i] / total;
    const end = Math.min(SLOTS, Math.round(cumulative * SLOTS));
    for (; slot < end; slot++) table[slot] = i;
  }
  for (; slot < SLOTS; slot++) table[slot] = words.length - 1;
  return { words, pick: () => words[table[(random() * SLOTS) | 0]] };
}

/** A streaming writer with back-pressure; `close` resolves once the bytes are on disk. */
function writer(path: string) {
  const out = createWriteStream(path);
  let pending = "";
  let bytes = 0;
  return {
    async push(s: string) {
      pending += s;
      bytes += Buffer.byteLength(s);
      if (pending.length > 1 << 20) {
        const chunk = pending;
        pending = "";
        if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
      }
    },
    /** Bytes pushed so far (written or pending). */
    get bytes() {
      return bytes;
    },
    close() {
      out.end(pending);
      pending = "";
      return new Promise<void>((resolve, reject) => {
        out.on("finish", resolve);
        out.on("error", reject);
      });
    },
  };
}

interface Text {
  random: () => number;
  pick: () => string;
}

function int(random: () => number, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}

/** A query: 5–15 words, the content words from the middle of the vocabulary. */
function queryWords(t: Text, words: string[]): string[] {
  const n = int(t.random, 5, 15);
  const out: string[] = [];
  for (let i = 0; i < n; i++)
    out.push(t.random() < 0.4 ? t.pick() : words[int(t.random, 100, Math.min(words.length - 1, 8000))]);
  return out;
}

/**
 * A document of 50–400 words; `plant` words (a relevant document's share of the query) are spread
 * through it. With `csvQuirks`, some words carry a comma and a few are "quoted".
 */
function documentText(t: Text, plant: string[], csvQuirks: boolean): string {
  const n = int(t.random, 50, 400);
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    let w = t.pick();
    const r = t.random();
    if (r < 0.06) w += ",";
    else if (r < 0.1) w += ".";
    else if (csvQuirks && r < 0.102) w = `"${w}"`;
    out[i] = w;
  }
  for (const w of plant) out[int(t.random, 0, n - 1)] = w;
  out[0] = out[0][0].toUpperCase() + out[0].slice(1);
  return out.join(" ");
}

const csvField = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

export interface CsvScale {
  out: string;
  bytes: number;
  rows: number;
  queries: number;
}

/** A labelled CSV of about `mb` megabytes (10^6 bytes). */
export async function generateCsv(opts: {
  mb: number;
  out?: string;
  perQuery?: number;
  seed?: number;
  force?: boolean;
}): Promise<CsvScale> {
  const perQuery = opts.perQuery ?? 20;
  const out = opts.out ?? join(SCALE_DIR, `labelled-${opts.mb}mb-s${opts.seed ?? 11}-k${perQuery}.csv`);
  const target = opts.mb * 1e6;
  if (!opts.force && existsSync(out)) return { out, bytes: statSync(out).size, rows: -1, queries: -1 };
  mkdirSync(dirname(out), { recursive: true });
  const random = mulberry32(opts.seed ?? 11);
  const { words, pick } = makeWords(random);
  const t = { random, pick };
  const w = writer(`${out}.tmp`);
  await w.push("query_id,query,doc_id,document,label\n");
  let rows = 0;
  let queries = 0;
  let docNumber = 0;
  let previous: Array<{ id: string; field: string }> = [];
  while (w.bytes < target) {
    queries++;
    const qid = `q${String(queries).padStart(7, "0")}`;
    const qWords = queryWords(t, words);
    const query = csvField(qWords.join(" "));
    const current: Array<{ id: string; field: string }> = [];
    let lines = "";
    for (let k = 0; k < perQuery; k++) {
      const grade = k < 2 ? int(random, 1, 3) : random() < 0.1 ? 1 : 0;
      let doc: { id: string; field: string };
      if (previous.length > 0 && grade === 0 && random() < 0.02) {
        doc = previous[int(random, 0, previous.length - 1)];
        if (current.some((d) => d.id === doc.id)) continue;
      } else {
        const plant = grade > 0 ? qWords.filter(() => random() < 0.3 * grade) : [];
        doc = {
          id: `d${String(++docNumber).padStart(9, "0")}`,
          field: csvField(documentText(t, plant, true)),
        };
      }
      current.push(doc);
      lines += `${qid},${query},${doc.id},${doc.field},${grade}\n`;
      rows++;
    }
    previous = current;
    await w.push(lines);
  }
  await w.close();
  renameSync(`${out}.tmp`, out);
  return { out, bytes: statSync(out).size, rows, queries };
}

export interface BeirScale {
  dir: string;
  corpus: string;
  candidates: string;
  bytes: number;
  docs: number;
  queries: number;
}

/** A BEIR folder whose corpus.jsonl is about `mb` megabytes, with a candidates run file in it. */
export async function generateBeir(opts: {
  mb: number;
  out?: string;
  queries?: number;
  depth?: number;
  seed?: number;
  force?: boolean;
}): Promise<BeirScale> {
  const nQueries = opts.queries ?? 1000;
  const depth = opts.depth ?? 100;
  const dir = opts.out ?? join(SCALE_DIR, `beir-${opts.mb}mb-s${opts.seed ?? 11}-q${nQueries}-d${depth}`);
  const corpus = join(dir, "corpus.jsonl");
  const candidates = join(dir, "candidates.trec");
  if (!opts.force && existsSync(candidates))
    return { dir, corpus, candidates, bytes: statSync(corpus).size, docs: -1, queries: nQueries };
  rmSync(dir, { recursive: true, force: true });
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, "qrels"), { recursive: true });
  const random = mulberry32(opts.seed ?? 11);
  const { words, pick } = makeWords(random);
  const t = { random, pick };
  const target = opts.mb * 1e6;

  const queryTexts: string[][] = [];
  for (let q = 0; q < nQueries; q++) queryTexts.push(queryWords(t, words));
  const qid = (q: number) => `q${String(q + 1).padStart(5, "0")}`;
  // About 3 judged documents per query, spread evenly over the expected corpus (~1.5 KB a line).
  const expectedDocs = Math.max(nQueries * depth, Math.round(target / 1500));
  const judgedRate = (nQueries * 3) / expectedDocs;
  const judged: Array<Array<{ doc: number; grade: number }>> = queryTexts.map(() => []);

  const c = writer(join(tmp, "corpus.jsonl"));
  let docs = 0;
  while (c.bytes < target || docs < nQueries * depth) {
    let plant: string[] = [];
    if (random() < judgedRate) {
      const q = int(random, 0, nQueries - 1);
      if (judged[q].length < 5) {
        const grade = int(random, 1, 2);
        judged[q].push({ doc: docs, grade });
        plant = queryTexts[q].filter(() => random() < 0.35 * grade);
      }
    }
    const title =
      random() < 0.8
        ? documentText(t, [], false)
            .split(" ", int(random, 3, 10))
            .join(" ")
        : "";
    const line = JSON.stringify({ _id: `d${docs}`, title, text: documentText(t, plant, false) });
    await c.push(`${line}\n`);
    docs++;
  }
  await c.close();

  // A query with no judged document gets one (BEIR's test queries all have judgements).
  for (let q = 0; q < nQueries; q++)
    if (judged[q].length === 0) judged[q].push({ doc: int(random, 0, docs - 1), grade: 1 });

  const qw = writer(join(tmp, "queries.jsonl"));
  for (let q = 0; q < nQueries; q++)
    await qw.push(`${JSON.stringify({ _id: qid(q), text: queryTexts[q].join(" "), metadata: {} })}\n`);
  await qw.close();

  const rw = writer(join(tmp, "qrels", "test.tsv"));
  await rw.push("query-id\tcorpus-id\tscore\n");
  for (let q = 0; q < nQueries; q++)
    for (const j of judged[q]) await rw.push(`${qid(q)}\td${j.doc}\t${j.grade}\n`);
  await rw.close();

  // The run: the judged documents (most of them; a first stage misses some) at ranks skewed to the
  // top, the rest random documents from the whole corpus.
  const run = writer(join(tmp, "candidates.trec"));
  for (let q = 0; q < nQueries; q++) {
    const list: number[] = [];
    const inList = new Set<number>();
    for (const j of judged[q])
      if (random() < 0.85) {
        list.push(j.doc);
        inList.add(j.doc);
      }
    while (list.length < depth) {
      const d = int(random, 0, docs - 1);
      if (!inList.has(d)) {
        inList.add(d);
        list.push(d);
      }
    }
    // Move the judged ones to skewed ranks.
    for (let i = 0; i < judged[q].length && i < list.length; i++) {
      const to = Math.floor(depth * random() ** 3);
      [list[i], list[to]] = [list[to], list[i]];
    }
    let score = 20 + random() * 8;
    let lines = "";
    for (let rank = 0; rank < list.length; rank++) {
      score -= random() * 0.05;
      lines += `${qid(q)} Q0 d${list[rank]} ${rank + 1} ${score.toFixed(4)} gen-scale\n`;
    }
    await run.push(lines);
  }
  await run.close();
  renameSync(tmp, dir);
  return { dir, corpus, candidates, bytes: statSync(corpus).size, docs, queries: nQueries };
}

function flag(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const shape = process.argv[2];
  const num = (name: string) => (flag(name) === undefined ? undefined : Number(flag(name)));
  const common = {
    mb: Number(flag("mb", "10")),
    out: flag("out"),
    seed: num("seed"),
    force: process.argv.includes("--force"),
  };
  const t0 = performance.now();
  if (shape === "csv") {
    const r = await generateCsv({ ...common, perQuery: num("per-query") });
    console.log(`${r.out}: ${(r.bytes / 1e6).toFixed(1)} MB, ${r.rows} rows, ${r.queries} queries`);
  } else if (shape === "beir") {
    const r = await generateBeir({ ...common, queries: num("queries"), depth: num("depth") });
    console.log(
      `${r.dir}: corpus ${(r.bytes / 1e6).toFixed(1)} MB, ${r.docs} docs, ${r.queries} queries; run ${r.candidates}`,
    );
  } else {
    console.error("usage: npx tsx bench/gen-scale.ts csv|beir --mb N [--out PATH] [--seed N] [--force]");
    process.exit(2);
  }
  console.log(`(${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
