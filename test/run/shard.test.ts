/**
 * The shard partition (`run --shard i/n`): the rule against shard numbers computed independently
 * (Python's hashlib, below), so a change of Node, platform or code that moves a query to another
 * shard fails here; sampling before partitioning; the shard flags' one-line refusals.
 */
import { describe, expect, it } from "vitest";
import type { EvalSet } from "../../src/datasets/types.js";
import type { ModelSpec } from "../../src/run/config.js";
import { planRun } from "../../src/run/plan.js";
import {
  parseShard,
  partitionQueries,
  planIdsHash,
  resolveShard,
  shardOfQuery,
} from "../../src/run/shard.js";
import { runCli } from "../helpers/cli.js";

/**
 * qid → [value of its first 8 hex digits, shard of 2, 3, 7, 1000], from
 * `h = int(hashlib.sha256(qid.encode()).hexdigest()[:8], 16); 1 + h % n` in Python 3.
 */
const EXPECTED: [string, number, number[]][] = [
  ["a", 3398926610, [1, 3, 3, 611]],
  ["b", 1042540566, [1, 1, 5, 567]],
  ["q1", 3344820417, [2, 1, 2, 418]],
  ["hello", 754077114, [1, 1, 1, 115]],
  ["0", 1609362278, [1, 3, 7, 279]],
  ["é", 1251562878, [1, 1, 7, 879]],
  ["PLAIN-Query_42", 3937361537, [2, 3, 5, 538]],
  ["日本", 3475685132, [1, 3, 4, 133]],
];

describe("the shard partition", () => {
  it("puts each query id in the shard the written rule gives, the same as an independent implementation", () => {
    for (const [qid, , shards] of EXPECTED) {
      expect(
        [2, 3, 7, 1000].map((n) => shardOfQuery(qid, n)),
        qid,
      ).toEqual(shards);
      expect(shardOfQuery(qid, 1)).toBe(1);
    }
  });

  it("splits a plan into disjoint shards that cover it, in plan order, with each query's place in the plan", () => {
    const qids = Array.from({ length: 200 }, (_, i) => `query-${i}`);
    for (const n of [1, 2, 3, 8]) {
      const parts = Array.from({ length: n }, (_, i) => partitionQueries(qids, { index: i + 1, count: n }));
      const union = parts.flatMap((p) => p.kept);
      expect(new Set(union).size).toBe(qids.length);
      expect(union).toHaveLength(qids.length);
      for (const p of parts) {
        expect(p.shard.ordinals.map((o) => qids[o])).toEqual(p.kept);
        expect([...p.shard.ordinals].sort((a, b) => a - b)).toEqual(p.shard.ordinals);
        expect(p.shard.planQueries).toBe(200);
        expect(p.shard.planIdsHash).toBe(planIdsHash(qids));
      }
      // No shard of a 200-query plan is badly lopsided: the hash spreads ids evenly.
      if (n > 1) for (const p of parts) expect(p.kept.length).toBeGreaterThan(200 / n / 2);
    }
  });

  it("hashes the ordered ids as a JSON array (sha256, checked with Python), so order and every id count", () => {
    // hashlib.sha256(json.dumps(["q1","a","b"], separators=(",",":")).encode()).hexdigest()
    expect(planIdsHash(["q1", "a", "b"])).toBe(
      "e82157e4e9ee70145869e9327070a6221781cd7ebac34347cedaea623db9b01f",
    );
    expect(planIdsHash(["a", "q1", "b"])).not.toBe(planIdsHash(["q1", "a", "b"]));
    expect(planIdsHash(["a b"])).not.toBe(planIdsHash(["a", "b"]));
  });

  it("reads i/n, 1-based, and refuses 0/3, 4/3 and words", () => {
    expect(parseShard("2/3")).toEqual({ index: 2, count: 3 });
    expect(parseShard("1/1")).toEqual({ index: 1, count: 1 });
    for (const bad of ["0/3", "4/3", "a/b", "2", "2/0", "-1/3", "1/3/4", "auto", ""])
      expect(parseShard(bad), bad).toBeUndefined();
  });

  it("--shard auto: the index from JOB_COMPLETION_INDEX (0-based), the count from --shard-count or RERANK_EVAL_SHARD_COUNT", () => {
    expect(
      resolveShard("auto", undefined, { JOB_COMPLETION_INDEX: "0", RERANK_EVAL_SHARD_COUNT: "3" }),
    ).toEqual({
      index: 1,
      count: 3,
    });
    expect(resolveShard("auto", 4, { JOB_COMPLETION_INDEX: "3", RERANK_EVAL_SHARD_COUNT: "3" })).toEqual({
      index: 4,
      count: 4,
    });
    expect(resolveShard("2/3", undefined, {})).toEqual({ index: 2, count: 3 });
    expect(resolveShard(undefined, undefined, { JOB_COMPLETION_INDEX: "1" })).toBeUndefined();
  });
});

describe("planning a shard", () => {
  const evalSet = (n: number): EvalSet => {
    const ids = Array.from({ length: n }, (_, i) => `q${i}`);
    return {
      name: "t",
      path: "t.csv",
      format: "csv",
      queries: new Map(ids.map((q) => [q, `text of ${q}`])),
      docs: new Map([
        ["d1", { text: "one" }],
        ["d2", { text: "two" }],
      ]),
      qrels: new Map(ids.map((q, i) => [q, new Map([["d1", i % 4 === 0 ? 0 : 1]])])),
      candidates: new Map(ids.map((q) => [q, ["d1", "d2"]])),
      candidatesSource: "csv",
      fingerprint: "f",
      warnings: [],
    };
  };
  const model: ModelSpec = { name: "m", model: "m", provider: "regolo" };

  it("samples the whole set first, then keeps the shard's part of that sample", () => {
    const set = evalSet(60);
    const whole = planRun({ evalSet: set, models: [model], topN: [], sample: 25, seed: 7 });
    const shards = [1, 2, 3].map((index) =>
      planRun({ evalSet: set, models: [model], topN: [], sample: 25, seed: 7, shard: { index, count: 3 } }),
    );
    const joined = shards
      .flatMap((p) => p.queries.map((q, i) => ({ qid: q.qid, at: p.shard?.ordinals[i] ?? -1 })))
      .sort((a, b) => a.at - b.at)
      .map((x) => x.qid);
    expect(joined).toEqual(whole.queries.map((q) => q.qid));
    for (const p of shards) {
      // Each shard's record describes the sample it was cut from, not itself.
      expect(p.sample).toEqual({ size: 25, seed: 7, of: 60 });
      expect(p.shard?.planIdsHash).toBe(planIdsHash(whole.queries.map((q) => q.qid)));
      // Queries without a relevant document are listed per shard: the ones it holds.
      const held = new Set(p.queries.map((q) => q.qid));
      expect(p.withoutRelevant.queries.every((q) => held.has(q))).toBe(true);
    }
    expect(shards.reduce((n, p) => n + p.withoutRelevant.queries.length, 0)).toBe(
      whole.withoutRelevant.queries.length,
    );
  });
});

describe("run --shard on the command line", () => {
  const base = ["run", "--dataset", "datasets/tiny-beir", "--model", "m", "--quiet"];

  it("refuses 0/3, 4/3 and a/b in one line, exit 2, before loading anything", async () => {
    for (const bad of ["0/3", "4/3", "a/b"]) {
      const r = await runCli([...base, "--shard", bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toBe(
        `rerank-eval: error: --shard must be i/n with 1 <= i <= n (e.g. 2/3), or auto, got '${bad}'\n`,
      );
    }
  });

  it("--shard auto names the variable that is missing or wrong", async () => {
    const clean = { JOB_COMPLETION_INDEX: undefined, RERANK_EVAL_SHARD_COUNT: undefined };
    const cases: [Record<string, string | undefined>, string[], string][] = [
      [{}, [], "--shard auto needs the shard count: pass --shard-count N or set RERANK_EVAL_SHARD_COUNT"],
      [
        { RERANK_EVAL_SHARD_COUNT: "3" },
        [],
        "--shard auto reads the shard from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job sets it), which is not set; elsewhere pass --shard i/n",
      ],
      [
        { RERANK_EVAL_SHARD_COUNT: "three", JOB_COMPLETION_INDEX: "0" },
        [],
        "RERANK_EVAL_SHARD_COUNT must be a positive integer, got 'three'",
      ],
      [
        { JOB_COMPLETION_INDEX: "-1" },
        ["--shard-count", "3"],
        "JOB_COMPLETION_INDEX must be an integer >= 0, got '-1'",
      ],
      [
        { JOB_COMPLETION_INDEX: "3", RERANK_EVAL_SHARD_COUNT: "3" },
        [],
        "JOB_COMPLETION_INDEX is 3, out of range for 3 shards (0-based: 0 to 2)",
      ],
    ];
    for (const [env, flags, line] of cases) {
      const r = await runCli([...base, "--shard", "auto", ...flags], { ...clean, ...env });
      expect(r.code, line).toBe(2);
      expect(r.stderr).toBe(`rerank-eval: error: ${line}\n`);
    }
    const stray = await runCli([...base, "--shard", "2/3", "--shard-count", "3"], clean);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toBe(
      "rerank-eval: error: --shard-count goes with --shard auto; --shard 2/3 gives the count itself\n",
    );
  });
});
