/** runEvaluation over real loopback servers: limiter, --rps, incremental results, failures and retries, first stage, embedded. */
import { existsSync } from "node:fs";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveRunOptions } from "../../src/run/config.js";
import { runEvaluation } from "../../src/run/index.js";
import { startFixedScoreServer, syntheticRows, tempDir, writeCsv } from "./helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
let csv: string;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  csv = await writeCsv(dir, syntheticRows(6, 5));
});
afterAll(() => cleanup());

/** Score by the document number so rankings are deterministic and not trivially perfect. */
const byDocNumber = (_q: string, d: string) => Number(/document (\d+)/.exec(d)?.[1] ?? 0) / 10;

describe("runEvaluation", () => {
  it("bounds requests in flight with ONE limiter shared by all variants", async () => {
    const server = await startFixedScoreServer({ score: byDocNumber, delayMs: 30 });
    try {
      const options = resolveRunOptions(undefined, {
        dataset: csv,
        model: ["m1", "m2"],
        topN: [2, 5],
        concurrency: 3,
        provider: "vllm",
        endpoint: server.endpoint,
        out: join(dir, "limiter"),
      });
      const { report } = await runEvaluation(options, { quiet: true });
      expect(report.failures.exceeded).toBe(false);
      expect(server.requests).toBe(6 * 4);
      // 4 variants × 6 queries queued at once: the server never sees more than -j.
      expect(server.maxInFlight).toBe(3);
      // 24 requests of ≥ 30 ms, 3 at a time: at least 8 rounds.
      expect(report.timing.rerankSeconds).toBeGreaterThanOrEqual(0.235);
    } finally {
      await server.close();
    }
  });

  it("--rps caps the pace across variants", async () => {
    const server = await startFixedScoreServer({ score: byDocNumber });
    try {
      const options = resolveRunOptions(undefined, {
        dataset: csv,
        model: ["m1", "m2"],
        concurrency: 8,
        rps: 40,
        provider: "vllm",
        endpoint: server.endpoint,
        out: join(dir, "rps"),
      });
      const { report } = await runEvaluation(options, { quiet: true });
      // 12 requests at 40/s: 11 gaps of 25 ms.
      expect(report.timing.rerankSeconds).toBeGreaterThanOrEqual(0.26);
    } finally {
      await server.close();
    }
  });

  it("appends each result the moment its task finishes; a previous report in the folder is gone meanwhile", async () => {
    const server = await startFixedScoreServer({ score: byDocNumber, delayMs: 150 });
    try {
      const out = join(dir, "incremental");
      const { mkdir } = await import("node:fs/promises");
      await mkdir(out, { recursive: true });
      for (const old of ["results.jsonl", "report.json", "report.md", "qrels.txt", "run-m1.trec"])
        await writeFile(join(out, old), "from an earlier run");
      const options = resolveRunOptions(undefined, {
        dataset: csv,
        model: ["m1"],
        concurrency: 1,
        provider: "vllm",
        endpoint: server.endpoint,
        out,
      });
      let finished = false;
      const running = runEvaluation(options, { quiet: true }).finally(() => {
        finished = true;
      });
      // Wait on this run's own files, not on a number of sleeps (under load, preparing can take any
      // time, and the earlier run's results.jsonl is there until the folder is cleared): the manifest
      // (the earlier run left none) is written after the clearing, and results.jsonl after it.
      let linesSeenEarly = 0;
      while (!finished) {
        if (existsSync(join(out, "manifest.json"))) {
          const text = await readFile(join(out, "results.jsonl"), "utf8").catch(() => "");
          const lines = text.split("\n").filter(Boolean);
          if (lines.length > 0 && !finished) {
            linesSeenEarly = lines.length;
            JSON.parse(lines[0]); // a whole line, not a fragment
            // Mid-run, nothing from the earlier run may pass for this run's report: only this run's record.
            expect((await readdir(out)).sort()).toEqual([
              ".rerank-eval.lock",
              "manifest.json",
              "qrels.txt",
              "results.jsonl",
            ]);
            break;
          }
        }
        await sleep(5);
      }
      await running;
      expect(linesSeenEarly).toBeGreaterThan(0);
      expect(linesSeenEarly).toBeLessThan(6);
      await expect(stat(join(out, "report.json"))).resolves.toBeTruthy();
    } finally {
      await server.close();
    }
  });

  it("a query whose retries are spent is listed and counts 0; transient failures are retried and recovered", async () => {
    const server = await startFixedScoreServer({
      score: byDocNumber,
      failQueries: new Set(["query number 2"]),
      flakyQueries: new Set(["query number 3"]),
    });
    try {
      const out = join(dir, "failures");
      const options = resolveRunOptions(undefined, {
        dataset: csv,
        model: ["m1"],
        provider: "vllm",
        endpoint: server.endpoint,
        retries: 1,
        out,
      });
      const { report } = await runEvaluation(options, { quiet: true });
      expect(report.failures.exceeded).toBe(true);
      const v = report.variants[0];
      expect(v.failures).toEqual({
        count: 1,
        queries: ["q2"],
        byKind: { "http 503": 1 },
        examples: { "http 503": expect.stringContaining("503") },
      });
      for (const m of Object.keys(v.perQuery)) expect(v.perQuery[m].q2).toBe(0);
      expect(v.calls?.retriedQueries).toBe(2); // q2 (spent) and q3 (recovered)
      expect(report.failures).toEqual({ count: 1, maxFailures: 0, exceeded: true });
      const lines = (await readFile(join(out, "results.jsonl"), "utf8"))
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      const q2 = lines.find((l) => l.qid === "q2");
      expect(q2.error).toMatchObject({ kind: "http", status: 503 });
      expect(q2.attempts).toBe(2);
      const q3 = lines.find((l) => l.qid === "q3");
      expect(q3.error).toBeUndefined();
      expect(q3.attempts).toBe(2);
      expect(q3.ranking.length).toBe(5);
      // The report is written even though the run exits 3; the failed query is not in the run file.
      expect(await readFile(join(out, "report.md"), "utf8")).toContain("`q2`");
      expect(await readFile(join(out, "run-m1.trec"), "utf8")).not.toMatch(/^q2 /m);
      // Within the budget the same run is a success.
      const ok = await runEvaluation(
        { ...options, maxFailures: 1, out: join(dir, "failures-ok") },
        { quiet: true },
      );
      expect(ok.report.failures.exceeded).toBe(false);
      // --no-complete: the failed query leaves the means and the per-query vectors instead of counting 0.
      const partial = await runEvaluation(
        { ...options, complete: false, maxFailures: 1, out: join(dir, "failures-partial") },
        { quiet: true },
      );
      const pv = partial.report.variants[0];
      expect(partial.report.conventions.complete).toBe(false);
      expect(Object.keys(pv.perQuery.AP)).toEqual(["q1", "q3", "q4", "q5", "q6"]);
      const avg = Object.values(pv.perQuery.AP).reduce((a, b) => a + b) / 5;
      expect(pv.metrics.AP.mean).toBeCloseTo(avg, 12);
      expect(ok.report.variants[0].metrics.AP.mean).toBeCloseTo((avg * 5) / 6, 12);
      expect(await readFile(join(dir, "failures-partial", "report.md"), "utf8")).toContain("--no-complete");
    } finally {
      await server.close();
    }
  });

  it("ranked candidates add a first-stage variant scored from the candidate order, with no API call", async () => {
    const beir = join(dir, "beir");
    const { mkdir } = await import("node:fs/promises");
    await mkdir(join(beir, "qrels"), { recursive: true });
    await writeFile(
      join(beir, "corpus.jsonl"),
      ["d1", "d2", "d3", "d4"]
        .map((id, i) => JSON.stringify({ _id: id, title: "", text: `document ${i + 1}` }))
        .join("\n"),
    );
    await writeFile(join(beir, "queries.jsonl"), JSON.stringify({ _id: "q1", text: "query" }));
    await writeFile(join(beir, "qrels", "test.tsv"), "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td4\t2\n");
    // First stage: d1 first (relevant), d4 last. The reranker (document number) reverses it.
    await writeFile(
      join(beir, "run.trec"),
      "q1 Q0 d1 1 9 bm25\nq1 Q0 d2 2 8 bm25\nq1 Q0 d3 3 7 bm25\nq1 Q0 d4 4 6 bm25\n",
    );
    const server = await startFixedScoreServer({ score: byDocNumber });
    try {
      const options = resolveRunOptions(undefined, {
        dataset: beir,
        candidates: join(beir, "run.trec"),
        model: ["m1"],
        provider: "vllm",
        endpoint: server.endpoint,
        measures: ["RR@10", "AP"],
        out: join(dir, "first-stage"),
      });
      const { report } = await runEvaluation(options, { quiet: true });
      expect(report.variants.map((v) => v.id)).toEqual(["first-stage", "m1"]);
      expect(server.requests).toBe(1);
      expect(report.variants[0].metrics["RR@10"].mean).toBe(1);
      expect(report.variants[0].metrics.AP.mean).toBeCloseTo((1 + 2 / 4) / 2, 12);
      expect(report.variants[1].metrics["RR@10"].mean).toBe(1); // d4 first
      expect(report.variants[1].metrics.AP.mean).toBeCloseTo((1 + 2 / 4) / 2, 12);
      expect(report.variants[0].latency).toBeNull();
      const trec = await readFile(join(dir, "first-stage", "run-first-stage.trec"), "utf8");
      expect(
        trec
          .trim()
          .split("\n")
          .map((l) => l.split(" ")[2]),
      ).toEqual(["d1", "d2", "d3", "d4"]);
    } finally {
      await server.close();
    }
  });

  it("endpoint: embedded starts the reference server in-process, no key needed", async () => {
    const options = resolveRunOptions(undefined, {
      dataset: csv,
      model: ["bm25", "identity"],
      endpoint: "embedded",
      out: join(dir, "embedded"),
    });
    const { report } = await runEvaluation(options, { quiet: true, env: {} });
    expect(report.failures.exceeded).toBe(false);
    expect(report.variants.map((v) => [v.id, v.endpoint, v.failures.count])).toEqual([
      ["bm25", "embedded", 0],
      ["identity", "embedded", 0],
    ]);
    expect(report.variants[1].latency?.query?.count).toBe(6);
    // identity keeps the candidate (file) order, so RR@10 follows from the CSV rows alone.
    const rows = syntheticRows(6, 5);
    const rr = [1, 2, 3, 4, 5, 6].map((q) => {
      const i = rows.filter((r) => r.qid === `q${q}`).findIndex((r) => r.label >= 1);
      return i >= 0 ? 1 / (i + 1) : 0;
    });
    expect(report.variants[1].metrics["RR@10"].mean).toBeCloseTo(rr.reduce((a, b) => a + b) / 6, 12);
  });
});
