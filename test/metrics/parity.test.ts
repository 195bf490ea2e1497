import { describe, expect, it } from "vitest";
import {
  type EvaluationResult,
  evaluateBlocks,
  formatTrecValue,
  RunEvaluator,
  scoreRun,
} from "../../src/metrics/index.js";
import { readQrels, readRun, scanRun } from "../../src/trec/index.js";
import {
  canonicalName,
  PARITY_MEASURES as measures,
  PARITY_QRELS,
  PARITY_RUN,
  EXPECTED_ROWS as rows,
} from "./trec-parity.js";

function mismatches(result: EvaluationResult): string[] {
  const bad: string[] = [];
  for (const [trecName, qid, expected] of rows) {
    const name = canonicalName(trecName);
    const got = qid === "all" ? result.mean[name] : result.perQuery[qid]?.[name];
    // Counts print as integers; everything else as trec_eval's %.4f (ties to even: 0.03125 → 0.0312).
    const printed =
      got === undefined ? "missing" : trecName.startsWith("num_rel") ? String(got) : formatTrecValue(got);
    // A printed value is within half a unit of the 4th decimal; 1e-12 absorbs the subtraction's own rounding.
    const close = got !== undefined && Math.abs(got - Number(expected)) <= 5e-5 + 1e-12;
    if (printed !== expected || !close) bad.push(`${trecName} ${qid}: expected ${expected}, got ${got}`);
  }
  return bad;
}

describe("trec_eval parity (fixture expected.tsv)", () => {
  it("covers the fixture: 28 measures, 286 rows each", () => {
    expect(rows.length).toBe(8008);
    expect(measures).toHaveLength(28);
  });

  it("reproduces every row via readQrels/readRun + scoreRun (-c)", async () => {
    const qrels = await readQrels(PARITY_QRELS);
    const run = await readRun(PARITY_RUN);
    const result = scoreRun(qrels, run, measures, { complete: true });
    expect(mismatches(result)).toEqual([]);
    // 285 counted queries = the per-query rows of each measure (286 rows minus `all`).
    expect(result.queries).toBe(285);
    expect(result.rankedWithoutJudgements).toBeGreaterThan(0);
    expect(result.judgedWithoutRanking.length).toBeGreaterThan(0);
  });

  it("reproduces every row via the streaming byte path (the evaluate command's)", async () => {
    const qrels = await readQrels(PARITY_QRELS);
    const result = await evaluateBlocks(qrels, measures, { complete: true }, (cb) => scanRun(PARITY_RUN, cb));
    expect(result).toBeDefined();
    expect(mismatches(result as EvaluationResult)).toEqual([]);
  });

  it("reproduces every row read through value() after finish({ perQuery: false }), which builds no rows", async () => {
    const qrels = await readQrels(PARITY_QRELS);
    const evaluator = new RunEvaluator(qrels, measures, { complete: true });
    for (const [qid, ranking] of await readRun(PARITY_RUN)) evaluator.addRanking(qid, ranking);
    const result = evaluator.finish({ perQuery: false });
    expect(result.perQuery).toEqual({});
    const perQuery: Record<string, Record<string, number>> = {};
    for (const qid of qrels.keys())
      result.measures.forEach((m, i) => {
        const v = evaluator.value(qid, i);
        if (v !== undefined) perQuery[qid] = { ...perQuery[qid], [m]: v };
      });
    expect(mismatches({ ...result, perQuery })).toEqual([]);
    expect(evaluator.value("no such query", 0)).toBeUndefined();
  });

  it("without -c, judged queries that have no ranking are not counted", async () => {
    const qrels = await readQrels(PARITY_QRELS);
    const run = await readRun(PARITY_RUN);
    const complete = scoreRun(qrels, run, ["AP"], { complete: true });
    const partial = scoreRun(qrels, run, ["AP"], { complete: false });
    expect(partial.queries).toBe(complete.queries - complete.judgedWithoutRanking.length);
    for (const qid of partial.judgedWithoutRanking) expect(partial.perQuery[qid]).toBeUndefined();
    // Same per-query values; only the count (the denominator) changes.
    expect(partial.mean.AP * partial.queries).toBeCloseTo(complete.mean.AP * complete.queries, 10);
  });

  it("maxDocs (trec_eval -M 10) gives the fixture's recip_rank@10 rows for RR, on both paths", async () => {
    const qrels = await readQrels(PARITY_QRELS);
    const expected = rows.filter(([m]) => m === "recip_rank@10");
    const check = (r: EvaluationResult) =>
      expected.filter(
        ([, qid, value]) => formatTrecValue(qid === "all" ? r.mean.RR : r.perQuery[qid].RR) !== value,
      );
    const opts = { complete: true, maxDocs: 10 };
    expect(check(scoreRun(qrels, await readRun(PARITY_RUN), ["RR"], opts))).toEqual([]);
    const streamed = await evaluateBlocks(qrels, ["RR"], opts, (cb) => scanRun(PARITY_RUN, cb));
    expect(check(streamed as EvaluationResult)).toEqual([]);
    // Without it, RR looks at the whole ranking: some queries differ.
    expect(
      check(scoreRun(qrels, await readRun(PARITY_RUN), ["RR"], { complete: true })).length,
    ).toBeGreaterThan(0);
  });

  it("maxDocs N equals scoring the run cut to its top N by the trec rule, for every measure", async () => {
    const qrels = await readQrels(PARITY_QRELS);
    for (const n of [1, 3, 7, 20]) {
      const cut = scoreRun(qrels, await readRun(PARITY_RUN, { depth: n }), measures, { complete: true });
      const whole = scoreRun(qrels, await readRun(PARITY_RUN), measures, { complete: true, maxDocs: n });
      expect(whole).toEqual(cut);
    }
  });
});
