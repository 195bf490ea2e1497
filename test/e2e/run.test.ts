/**
 * End to end: a local server answers FIXED scores per (query, document); the report's means must
 * equal values computed here by a small independent implementation of the trec_eval conventions
 * (not src/metrics), and the exported run files must give the same numbers through `evaluate`.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../src/report/types.js";
import { runCli } from "../helpers/cli.js";
import {
  type CsvRow,
  type FixedScoreServer,
  startFixedScoreServer,
  tempDir,
  writeCsv,
} from "../run/helpers.js";

// q1 has a tie (a2, a3 at 0.7) inside the top 3 and AT the top_n=2 cut; q3 has no relevant document.
const SET: (CsvRow & { score: number })[] = [
  { qid: "q1", query: "alpha", docId: "a1", document: "alpha one", label: 0, score: 0.9 },
  { qid: "q1", query: "alpha", docId: "a2", document: "alpha two", label: 2, score: 0.7 },
  { qid: "q1", query: "alpha", docId: "a3", document: "alpha three", label: 1, score: 0.7 },
  { qid: "q1", query: "alpha", docId: "a4", document: "alpha four", label: 0, score: 0.2 },
  { qid: "q1", query: "alpha", docId: "a5", document: "alpha five", label: 3, score: 0.1 },
  { qid: "q2", query: "beta", docId: "b1", document: "beta one", label: 1, score: 0.3 },
  { qid: "q2", query: "beta", docId: "b2", document: "beta two", label: 0, score: 0.8 },
  { qid: "q2", query: "beta", docId: "b3", document: "beta three", label: 0, score: 0.5 },
  { qid: "q2", query: "beta", docId: "b4", document: "beta four", label: 1, score: 0.6 },
  { qid: "q3", query: "gamma", docId: "c1", document: "gamma one", label: 0, score: 0.5 },
  { qid: "q3", query: "gamma", docId: "c2", document: "gamma two", label: 0, score: 0.4 },
  { qid: "q3", query: "gamma", docId: "c3", document: "gamma three", label: 0, score: -0.3 },
];
const MEASURES = ["nDCG@3", "nDCG@10", "RR@10", "AP", "R@3", "P@3", "Success@1"];

/** What the API returns: score desc, ties by request index asc (api-dialects §18.4), cut to top_n. */
function apiAnswer(qid: string, topN: number) {
  const docs = SET.filter((r) => r.qid === qid).map((r, index) => ({ ...r, index }));
  return docs.sort((a, b) => b.score - a.score || a.index - b.index).slice(0, topN);
}

/** trec_eval's order of a ranking: score desc, then doc id DESC in byte order. */
function trecOrder<T extends { docId: string; score: number }>(xs: T[]): T[] {
  return [...xs].sort(
    (a, b) => b.score - a.score || Buffer.compare(Buffer.from(b.docId), Buffer.from(a.docId)),
  );
}

/** The measures of metrics.md for one query, written from the definitions. */
function reference(qid: string, topN: number): Record<string, number> {
  const grades = new Map(SET.filter((r) => r.qid === qid).map((r) => [r.docId, r.label]));
  const ranked = trecOrder(apiAnswer(qid, topN)).map((r) => grades.get(r.docId) ?? 0);
  const R = [...grades.values()].filter((g) => g >= 1).length;
  const ideal = [...grades.values()].filter((g) => g > 0).sort((a, b) => b - a);
  const dcg = (gs: number[], k: number) =>
    gs.slice(0, k).reduce((s, g, i) => s + Math.max(g, 0) / Math.log2(i + 2), 0);
  const ndcg = (k: number) => (dcg(ideal, k) === 0 ? 0 : dcg(ranked, k) / dcg(ideal, k));
  const relIn = (k: number) => ranked.slice(0, k).filter((g) => g >= 1).length;
  const first = ranked.findIndex((g) => g >= 1);
  let ap = 0;
  let seen = 0;
  ranked.forEach((g, i) => {
    if (g >= 1) ap += ++seen / (i + 1);
  });
  return {
    "nDCG@3": ndcg(3),
    "nDCG@10": ndcg(10),
    "RR@10": first >= 0 && first < 10 ? 1 / (first + 1) : 0,
    AP: R ? ap / R : 0,
    "R@3": R ? relIn(3) / R : 0,
    "P@3": relIn(3) / 3,
    "Success@1": relIn(1) > 0 ? 1 : 0,
  };
}

const mean = (topN: number, m: string) =>
  ["q1", "q2", "q3"].reduce((s, q) => s + reference(q, topN)[m], 0) / 3;

/** `evaluate [--complete]` on an exported run gives the report's means and per-query values. */
async function expectEvaluateReproduces(
  qrels: string,
  outDir: string,
  v: Report["variants"][number],
  complete = true,
) {
  const out = await runCli([
    ...["evaluate", "--qrels", qrels, "--run", join(outDir, `run-${v.id}.trec`)],
    ...["--measures", MEASURES.join(","), ...(complete ? ["--complete"] : []), "--json"],
  ]);
  expect(out.code, out.stderr).toBe(0);
  const parsed = JSON.parse(out.stdout) as {
    mean: Record<string, number>;
    perQuery: Record<string, Record<string, number>>;
  };
  expect(Object.keys(parsed.perQuery).sort(), v.id).toEqual(Object.keys(v.perQuery[MEASURES[0]]).sort());
  for (const m of MEASURES) {
    expect(parsed.mean[m], `${v.id} ${m}`).toBeCloseTo(v.metrics[m].mean, 12);
    for (const [qid, x] of Object.entries(v.perQuery[m]))
      expect(parsed.perQuery[qid][m], `${v.id} ${m} ${qid}`).toBeCloseTo(x, 12);
  }
}

let server: FixedScoreServer;
let dir: string;
let cleanup: () => Promise<void>;
let report: Report;
let run: { code: number; stdout: string; stderr: string };
const KEY = "sk-CANARY-e2e-7f3a9c2b1d";

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const scores = new Map(SET.map((r) => [`${r.query}\u0000${r.document}`, r.score]));
  server = await startFixedScoreServer({ score: (q, d) => scores.get(`${q}\u0000${d}`) ?? Number.NaN });
  const csv = await writeCsv(dir, SET);
  process.env.E2E_RERANK_KEY = KEY;
  run = await runCli([
    "run",
    "--dataset",
    csv,
    "--model",
    "fixed",
    "--endpoint",
    server.endpoint,
    "--api-key-env",
    "E2E_RERANK_KEY",
    "--top-n",
    "2,10",
    "--measures",
    MEASURES.join(","),
    "-j",
    "3",
    "--out",
    join(dir, "out"),
    "--quiet",
  ]);
  report = JSON.parse(await readFile(join(dir, "out", "report.json"), "utf8"));
});

afterAll(async () => {
  delete process.env.E2E_RERANK_KEY;
  await server.close();
  await cleanup();
});

describe("run end to end against fixed scores", () => {
  it("exits 0 and prints the headline table and the report path", () => {
    // q3 has no relevant document: the one warning, said on stderr.
    expect(run.stderr).toBe(
      "rerank-eval: 1 warning (also in report.md):\n" +
        "  - 1 of 3 queries have no relevant document: they score 0 in every measure whatever the ranking, " +
        "so no mean can exceed 0.6667 (--skip-queries-without-relevant leaves them out and lists them)\n",
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\| variant\s+\|\s+nDCG@3/);
    expect(run.stdout).toContain(join(dir, "out", "report.md"));
  });

  it("hand check of the reference: q1 at top_n=10 ranks a1, a3 (tie broken by id desc), a2, a4, a5", () => {
    expect(trecOrder(apiAnswer("q1", 10)).map((r) => r.docId)).toEqual(["a1", "a3", "a2", "a4", "a5"]);
    // RR@10: first relevant a3 at rank 2 → 1/2; AP = (1/2 + 2/3 + 3/5) / 3.
    expect(reference("q1", 10)["RR@10"]).toBe(0.5);
    expect(reference("q1", 10).AP).toBeCloseTo((1 / 2 + 2 / 3 + 3 / 5) / 3, 12);
    // top_n=2 keeps a1 and a2 (the API breaks the 0.7 tie by request index), so a3 is not retrieved.
    expect(apiAnswer("q1", 2).map((r) => r.docId)).toEqual(["a1", "a2"]);
  });

  it("the report's means equal the independent computation", () => {
    expect(report.variants.map((v) => v.id)).toEqual(["fixed.top2", "fixed.top10"]);
    for (const v of report.variants) {
      for (const m of MEASURES) {
        expect(v.metrics[m].mean, `${v.id} ${m}`).toBeCloseTo(mean(v.topN as number, m), 12);
        for (const q of ["q1", "q2", "q3"]) {
          expect(v.perQuery[m][q], `${v.id} ${m} ${q}`).toBeCloseTo(reference(q, v.topN as number)[m], 12);
        }
      }
    }
  });

  it("fills the report.json contract", () => {
    expect(report.schemaVersion).toBe(2);
    expect(report.dataset).toMatchObject({ format: "csv", queries: 3, judged: 12, documents: 12 });
    expect(report.dataset.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(report.timing.rerankSeconds).toBeGreaterThan(0);
    expect(report.timing.totalSeconds).toBeGreaterThanOrEqual(report.timing.rerankSeconds);
    expect(report.timing.rerankCpuSeconds).toBeGreaterThan(0);
    const top10 = report.variants[1];
    expect(top10).toMatchObject({ model: "fixed", provider: "regolo", endpoint: server.endpoint, topN: 10 });
    expect(top10.latency?.query?.count).toBe(3);
    expect(top10.latency?.request?.count).toBe(3);
    expect(top10.throughput?.queriesPerSecond).toBeGreaterThan(0);
    expect(top10.failures).toEqual({ count: 0, queries: [], byKind: {}, examples: {} });
    // Ties inside the top 10: only q1 (a2 and a3 at 0.7); top_n=2 returns a1 and a2 only.
    expect(top10.ties).toEqual({ k: 10, queries: 1 });
    expect(report.variants[0].ties.queries).toBe(0);
    expect(report.candidates.ceiling).toMatchObject({
      measure: "R@5",
      mean: (1 + 1 + 0) / 3,
      relevantTotal: 5,
    });
    expect(server.authorizations).toEqual(new Set([`Bearer ${KEY}`]));
  });

  it("has every field the issue lists, and latency figures that follow from results.jsonl by the k6 rule", async () => {
    expect(Object.keys(report.dataset)).toEqual(
      expect.arrayContaining(["name", "path", "format", "fingerprint", "queries", "judged", "documents"]),
    );
    expect(report.dataset).toMatchObject({ name: "set", path: join(dir, "set.csv") });
    expect(report.config.models[0]).toMatchObject({ name: "fixed", apiKeyEnv: "E2E_RERANK_KEY" });
    expect(Object.keys(report.timing)).toEqual(expect.arrayContaining(["rerankSeconds", "totalSeconds"]));
    const lines = (await readFile(join(dir, "out", "results.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { variant: string; attemptLatenciesMs: number[]; latencyMs: number });
    // k6: linear interpolation at p·(n−1) over the sorted samples, written out here on its own.
    const k6 = (xs: number[], p: number) => {
      const s = [...xs].sort((a, b) => a - b);
      const at = p * (s.length - 1);
      const lo = Math.floor(at);
      return s[lo] + (s[Math.ceil(at)] - s[lo]) * (at - lo);
    };
    for (const v of report.variants) {
      for (const key of ["id", "model", "provider", "endpoint", "topN", "metrics", "perQuery"])
        expect(v, key).toHaveProperty(key);
      for (const key of ["latency", "throughput", "failures", "usage", "ties"])
        expect(v, key).toHaveProperty(key);
      const mine = lines.filter((l) => l.variant === v.id);
      const samples = {
        request: mine.flatMap((l) => l.attemptLatenciesMs),
        query: mine.map((l) => l.latencyMs),
      };
      for (const kind of ["request", "query"] as const) {
        const got = v.latency?.[kind];
        const xs = samples[kind];
        expect(got?.count).toBe(xs.length);
        for (const [name, p] of [
          ["p50", 0.5],
          ["p90", 0.9],
          ["p95", 0.95],
          ["p99", 0.99],
        ] as const)
          expect(got?.[name], `${v.id} ${kind} ${name}`).toBeCloseTo(k6(xs, p), 9);
        expect(got?.max).toBe(Math.max(...xs));
        expect(got?.mean).toBeCloseTo(xs.reduce((a, b) => a + b) / xs.length, 9);
      }
      expect(v.throughput?.documentsPerSecond).toBeGreaterThan(v.throughput?.queriesPerSecond ?? 0);
    }
  });

  it("writes one results.jsonl line per (variant, query)", async () => {
    const lines = (await readFile(join(dir, "out", "results.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(6);
    expect(new Set(lines.map((l) => `${l.variant}/${l.qid}`)).size).toBe(6);
    const q1 = lines.find((l) => l.variant === "fixed.top2" && l.qid === "q1");
    expect(q1.ranking).toEqual([
      ["a1", 0.9],
      ["a2", 0.7],
    ]);
    expect(q1.attempts).toBe(1);
  });

  it("the exported run files give the same numbers through `rerank-eval evaluate`", async () => {
    const qrels = join(dir, "qrels.txt");
    await writeFile(qrels, SET.map((r) => `${r.qid} 0 ${r.docId} ${r.label}`).join("\n"));
    for (const v of report.variants) await expectEvaluateReproduces(qrels, join(dir, "out"), v);
  });

  it("the exported qrels.txt holds exactly the judgements and scores the run files the same way", async () => {
    const exported = (await readFile(join(dir, "out", "qrels.txt"), "utf8")).trim().split("\n").sort();
    expect(exported).toEqual(SET.map((r) => `${r.qid} 0 ${r.docId} ${r.label}`).sort());
    for (const v of report.variants)
      await expectEvaluateReproduces(join(dir, "out", "qrels.txt"), join(dir, "out"), v);
  });

  it("with a failed query and a first-stage baseline, every exported run still reproduces the report", async () => {
    const failing = await startFixedScoreServer({
      score: (_q, d) => d.length,
      failQueries: new Set(["highest mountain in South America"]),
    });
    try {
      const args = (out: string) => [
        ...["run", "--dataset", "datasets/tiny-beir", "--candidates", "datasets/tiny-beir/run.trec"],
        ...["--model", "len", "--provider", "vllm", "--endpoint", failing.endpoint, "--top-n", "3,10"],
        ...["--retries", "0", "--max-failures", "2", "--measures", MEASURES.join(",")],
        ...["--out", out, "--quiet"],
      ];
      const out = join(dir, "with-failure");
      const r = await runCli(args(out));
      expect(r.code, r.stderr).toBe(0);
      const withFailure = JSON.parse(await readFile(join(out, "report.json"), "utf8")) as Report;
      expect(withFailure.variants.map((v) => [v.id, v.failures.count])).toEqual([
        ["first-stage", 0],
        ["len.top3", 1],
        ["len.top10", 1],
      ]);
      for (const v of withFailure.variants) await expectEvaluateReproduces(join(out, "qrels.txt"), out, v);
      // --no-complete leaves the failed query out, as evaluate (trec_eval) without -c does.
      const partialOut = join(dir, "with-failure-partial");
      const partial = await runCli([...args(partialOut), "--no-complete"]);
      expect(partial.code, partial.stderr).toBe(0);
      const left = JSON.parse(await readFile(join(partialOut, "report.json"), "utf8")) as Report;
      expect(Object.keys(left.variants[1].perQuery.AP)).not.toContain("t02");
      for (const v of left.variants)
        await expectEvaluateReproduces(join(partialOut, "qrels.txt"), partialOut, v, false);
    } finally {
      await failing.close();
    }
  });

  it("the key is in no output file and not in stdout/stderr", async () => {
    const { readdir } = await import("node:fs/promises");
    for (const f of await readdir(join(dir, "out"))) {
      expect(await readFile(join(dir, "out", f), "utf8"), f).not.toContain(KEY);
    }
    expect(run.stdout + run.stderr).not.toContain(KEY);
  });
});
