import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readQrels, readRun, scanRun } from "../../src/datasets/trec.js";
import {
  evaluateBlocks,
  evaluateRun,
  formatTrecValue,
  type EvaluationResult,
} from "../../src/metrics/index.js";

// trec_eval 10's own output for the fixture (README: -c, -l 2 for @rel2 rows, -M 10 for recip_rank@10).
const dir = new URL("../fixtures/trec-parity/", import.meta.url).pathname;
const rows = readFileSync(`${dir}expected.tsv`, "utf8")
  .trim()
  .split("\n")
  .map((l) => l.split("\t") as [string, string, string]);

/** trec_eval name (with the fixture's @rel2 / @10 suffixes) → our canonical measure name. */
function measureFor(trecName: string): string {
  const rel2 = trecName.endsWith("@rel2");
  const name = rel2 ? trecName.slice(0, -"@rel2".length) : trecName;
  const rel = rel2 ? "(rel=2)" : "";
  if (name === "recip_rank@10") return `RR${rel}@10`;
  const plain: Record<string, string> = {
    map: "AP",
    recip_rank: "RR",
    ndcg: "nDCG",
    num_rel: "NumRel",
    num_rel_ret: "NumRelRet",
  };
  if (plain[name]) return plain[name] + rel;
  const m = /^(\w+?)_(\d+)$/.exec(name);
  const base: Record<string, string> = {
    P: "P",
    recall: "R",
    ndcg_cut: "nDCG",
    map_cut: "AP",
    success: "Success",
  };
  if (!m || !base[m[1]]) throw new Error(`fixture measure ${trecName} not mapped`);
  return `${base[m[1]]}${rel}@${m[2]}`;
}

const measures = [...new Set(rows.map((r) => measureFor(r[0])))];

function mismatches(result: EvaluationResult): string[] {
  const bad: string[] = [];
  for (const [trecName, qid, expected] of rows) {
    const name = measureFor(trecName);
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

  it("reproduces every row via readQrels/readRun + evaluateRun (-c)", async () => {
    const qrels = await readQrels(`${dir}qrels.txt`);
    const run = await readRun(`${dir}run.txt`);
    const result = evaluateRun(qrels, run, measures, { complete: true });
    expect(mismatches(result)).toEqual([]);
    // 285 counted queries = the per-query rows of each measure (286 rows minus `all`).
    expect(result.queries).toBe(285);
    expect(result.rankedWithoutJudgements).toBeGreaterThan(0);
    expect(result.judgedWithoutRanking.length).toBeGreaterThan(0);
  });

  it("reproduces every row via the streaming byte path (the evaluate command's)", async () => {
    const qrels = await readQrels(`${dir}qrels.txt`);
    const result = await evaluateBlocks(qrels, measures, { complete: true }, (cb) =>
      scanRun(`${dir}run.txt`, cb),
    );
    expect(result).toBeDefined();
    expect(mismatches(result as EvaluationResult)).toEqual([]);
  });

  it("without -c, judged queries that have no ranking are not counted", async () => {
    const qrels = await readQrels(`${dir}qrels.txt`);
    const run = await readRun(`${dir}run.txt`);
    const complete = evaluateRun(qrels, run, ["AP"], { complete: true });
    const partial = evaluateRun(qrels, run, ["AP"], { complete: false });
    expect(partial.queries).toBe(complete.queries - complete.judgedWithoutRanking.length);
    for (const qid of partial.judgedWithoutRanking) expect(partial.perQuery[qid]).toBeUndefined();
    // Same per-query values; only the count (the denominator) changes.
    expect(partial.mean.AP * partial.queries).toBeCloseTo(complete.mean.AP * complete.queries, 10);
  });
});
