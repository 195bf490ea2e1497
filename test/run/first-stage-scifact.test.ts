/**
 * `run --first-stage bm25 --depth 100 --sample 30` on the real SciFact test split with an embedded
 * model: it completes, and its first-stage variant scores, query by query, what the `retrieve`
 * command's run scores on those queries. Absent on a fresh clone: skipped, saying so.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scoreRun } from "../../src/metrics/index.js";
import { readQrels, readRun } from "../../src/trec/index.js";
import { SCIFACT } from "../datasets/helpers.js";
import { buildCli, runCli, spawnCli } from "../helpers/cli.js";
import { tempDir } from "./helpers.js";

const present = existsSync(SCIFACT);
const title = present
  ? `run --first-stage bm25 on SciFact from ${SCIFACT}`
  : `run --first-stage bm25 on SciFact (skipped: ${SCIFACT} is absent; it lives outside the repository)`;
if (!present) console.warn(title);

let dir: string;
let cleanup: () => Promise<void> = async () => {};
beforeAll(async () => {
  if (!present) return;
  ({ dir, cleanup } = await tempDir("rerank-eval-first-stage-scifact-"));
  await buildCli();
}, 60_000);
afterAll(() => cleanup());

describe.skipIf(!present)(title, () => {
  it("a sample of 30 completes; its first stage's nDCG@10 is the retrieve command's on those queries", async () => {
    const out = join(dir, "run");
    const trec = join(dir, "bm25.trec");
    const [run, retrieve] = await Promise.all([
      runCli([
        "run",
        "--dataset",
        SCIFACT,
        "--first-stage",
        "bm25",
        "--depth",
        "100",
        "--sample",
        "30",
        "--model",
        "bm25",
        "--endpoint",
        "embedded",
        "--no-cache",
        "--quiet",
        "--out",
        out,
      ]),
      spawnCli(["retrieve", "--dataset", SCIFACT, "--depth", "100", "--out", trec], {}, 60_000),
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(retrieve.code, retrieve.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(out, "report.json"), "utf8"));
    expect(report.dataset.queries).toBe(30);
    expect(report.incomplete).toBeNull();
    expect(report.failures.count).toBe(0);
    expect(report.candidates.source).toBe("bm25 (k1 0.9, b 0.4), depth 100");
    // The run's qrels.txt holds the 30 sampled queries' judgements: evaluate the retrieve run on them.
    const qrels = await readQrels(join(out, "qrels.txt"));
    expect(qrels.size).toBe(30);
    const all = await readRun(trec);
    const sampled = new Map([...all].filter(([qid]) => qrels.has(qid)));
    const expected = scoreRun(qrels, sampled, ["nDCG@10", "R@10"]);
    const first = report.variants.find((v: { id: string }) => v.id === "first-stage");
    for (const m of ["nDCG@10", "R@10"]) expect(first.metrics[m].mean, m).toBeCloseTo(expected.mean[m], 12);
    for (const [qid, x] of Object.entries(first.perQuery["nDCG@10"]))
      expect(x).toBeCloseTo(expected.perQuery[qid]["nDCG@10"], 12);
    expect(report.holes.judged["first-stage"]).toBeLessThan(0.9);
  }, 60_000);
});
