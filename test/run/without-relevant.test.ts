/**
 * Queries without a relevant document score 0 in every measure whatever the ranking. 0.1 counted
 * them silently ("R@20 = 0.9000 — 435 of 435 relevant documents are candidates"); now the report
 * says how many and what they do to the means, and --skip-queries-without-relevant lists them
 * instead of sending and scoring them.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../src/report/types.js";
import { runCli } from "../helpers/cli.js";
import { type FixedScoreServer, startFixedScoreServer, syntheticRows, tempDir, writeCsv } from "./helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
let server: FixedScoreServer;
let csv: string;
/** q1..q5 have no relevant document (every label 0); the other 45 have some. */
const NONE = ["q1", "q2", "q3", "q4", "q5"];

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir("rerank-eval-norel-"));
  server = await startFixedScoreServer({ score: (_q, d) => d.length });
  const rows = syntheticRows(50, 8).map((r) => (NONE.includes(r.qid) ? { ...r, label: 0 } : r));
  // Every other query has at least one relevant document.
  for (let q = 6; q <= 50; q++) rows[(q - 1) * 8].label = 1;
  csv = await writeCsv(dir, rows);
});
afterAll(async () => {
  await server.close();
  await cleanup();
});

const run = (out: string, extra: string[] = []) =>
  runCli([
    "run",
    "--dataset",
    csv,
    "--model",
    "m",
    "--endpoint",
    server.endpoint,
    "--out",
    out,
    "--quiet",
    // Each test counts the requests its run sends to the one shared server.
    "--no-cache",
    ...extra,
  ]);

describe("queries without a relevant document", () => {
  it("are counted, their effect on the means is said, and the ceiling no longer contradicts itself", async () => {
    const out = join(dir, "counted");
    const r = await run(out, ["-k", "20"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(await readFile(join(out, "report.json"), "utf8")) as Report;
    expect(report.withoutRelevant).toEqual({ count: 5, skipped: false, queries: NONE });
    expect(report.candidates.ceiling.mean).toBeCloseTo(0.9, 12);
    expect(report.candidates.ceiling.meanWithRelevant).toBe(1);
    const md = await readFile(join(out, "report.md"), "utf8");
    expect(md).toContain(
      "R@8 of the candidate lists: **1.0000** over the 45 queries that have a relevant document",
    );
    expect(md).toContain("5 of the 50 queries have none");
    expect(md).toContain("no mean in this report can exceed 0.9000");
    expect(r.stderr).toContain("5 of 50 queries have no relevant document: they score 0 in every measure");
    expect(r.stdout).toContain("candidate ceiling R@8 = 1.0000 over the 45 queries with a relevant document");
    for (const q of NONE) expect(report.variants[0].perQuery["nDCG@20"][q]).toBe(0);
  });

  it("--skip-queries-without-relevant lists them, sends none of them, and scores the other 45", async () => {
    const out = join(dir, "skipped");
    const before = server.requests;
    const r = await run(out, ["--skip-queries-without-relevant"]);
    expect(r.code).toBe(0);
    expect(server.requests - before).toBe(45);
    const report = JSON.parse(await readFile(join(out, "report.json"), "utf8")) as Report;
    expect(report.dataset.queries).toBe(45);
    expect(report.withoutRelevant).toEqual({ count: 5, skipped: true, queries: NONE });
    expect(report.config.skipQueriesWithoutRelevant).toBe(true);
    expect(Object.keys(report.variants[0].perQuery.AP)).toHaveLength(45);
    expect(report.candidates.ceiling.mean).toBe(1);
    const md = await readFile(join(out, "report.md"), "utf8");
    expect(md).toContain(
      "5 queries without a relevant document were left out (--skip-queries-without-relevant): `q1`",
    );
    expect(r.stderr).toContain("5 queries have no relevant document and were left out");
  });
});
