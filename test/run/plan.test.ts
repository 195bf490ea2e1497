import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { EvalSet } from "../../src/datasets/types.js";
import { UsageError } from "../../src/errors.js";
import type { ModelSpec } from "../../src/run/config.js";
import { planRun, sampleQueries, taskCandidates, tasksOf, variantId } from "../../src/run/plan.js";

function evalSet(over: Partial<EvalSet> = {}): EvalSet {
  const queries = new Map([
    ["q1", "first"],
    ["q2", "second"],
    ["q3", "third (unjudged)"],
  ]);
  const docs = new Map([
    ["d1", { text: "one" }],
    ["d2", { title: "Two", text: "two" }],
    ["d3", { text: "three" }],
  ]);
  return {
    name: "t",
    path: "t.csv",
    format: "csv",
    queries,
    docs,
    qrels: new Map([
      ["q1", new Map([["d1", 1]])],
      ["q2", new Map([["d2", 2]])],
    ]),
    candidates: new Map([
      ["q1", ["d1", "d2", "d3"]],
      ["q2", ["d3", "d2", "missing"]],
      ["q3", ["d1"]],
    ]),
    candidatesSource: "csv",
    fingerprint: "f",
    warnings: [],
    ...over,
  };
}

const model = (name: string): ModelSpec => ({ name, model: name, provider: "regolo" });

describe("planRun", () => {
  it("variants are the product of models and top_n; queries are the judged ones", () => {
    const plan = planRun({ evalSet: evalSet(), models: [model("a"), model("b")], topN: [3, 10], seed: 0 });
    expect(plan.variants.map((v) => v.id)).toEqual(["a.top3", "a.top10", "b.top3", "b.top10"]);
    expect(plan.queries.map((q) => q.qid)).toEqual(["q1", "q2"]);
    expect(plan.judgedQueries).toBe(2);
    expect([...tasksOf(plan)]).toHaveLength(8);
  });

  it("without top_n, one variant per model; ranked candidates add the first-stage baseline", () => {
    const plan = planRun({
      evalSet: evalSet({ candidatesRanked: true }),
      models: [model("a")],
      topN: [],
      seed: 0,
    });
    expect(plan.variants.map((v) => [v.id, v.kind, v.topN])).toEqual([
      ["first-stage", "first-stage", undefined],
      ["a", "rerank", undefined],
    ]);
  });

  it("sends title and text, skips candidates without a document and counts them; --depth cuts", () => {
    const plan = planRun({ evalSet: evalSet(), models: [model("a")], topN: [], seed: 0 });
    const { docs, ...query } = plan.queries[1];
    expect(query).toEqual({ qid: "q2", text: "second", docIds: ["d3", "d2"] });
    const [task] = [...tasksOf(plan)].filter((t) => t.query.qid === "q2");
    expect(taskCandidates(task)).toEqual({ docIds: ["d3", "d2"], documents: ["three", "Two two"] });
    expect(docs.size).toBe(3);
    expect(plan.missingDocuments).toBe(1);
    expect(plan.maxCandidates).toBe(3);
    const cut = planRun({ evalSet: evalSet(), models: [model("a")], topN: [], depth: 1, seed: 0 });
    expect(cut.queries.map((q) => q.docIds)).toEqual([["d1"], ["d3"]]);
    expect(cut.maxCandidates).toBe(1);
  });

  it("marks the judged pool as optimistic", () => {
    const plan = planRun({
      evalSet: evalSet({ candidatesSource: "qrels" }),
      models: [model("a")],
      topN: [],
      seed: 0,
    });
    expect(plan.optimistic).toBe(true);
    expect(plan.candidatesSource).toBe("qrels");
  });

  it("a set without candidates is a usage error that names both ways out", () => {
    expect(() =>
      planRun({ evalSet: evalSet({ candidates: undefined }), models: [model("a")], topN: [], seed: 0 }),
    ).toThrow(UsageError);
    expect(() =>
      planRun({ evalSet: evalSet({ candidates: undefined }), models: [model("a")], topN: [], seed: 0 }),
    ).toThrow(/--candidates qrels/);
  });

  it("variant ids are file-name safe and clashes are refused", () => {
    expect(variantId("org/model v2", 5)).toBe("org_model_v2.top5");
    expect(() =>
      planRun({ evalSet: evalSet(), models: [model("a/b"), model("a b")], topN: [], seed: 0 }),
    ).toThrow(/share the id/);
  });
});

describe("sampleQueries", () => {
  const ids = Array.from({ length: 200 }, (_, i) => `q${i}`);

  it("is reproducible, of the asked size, a subset in dataset order, and depends on the seed", () => {
    const a = sampleQueries(ids, 20, 7);
    expect(sampleQueries(ids, 20, 7)).toEqual(a);
    expect(a).toHaveLength(20);
    expect(a.every((q) => ids.includes(q))).toBe(true);
    expect([...a].sort((x, y) => ids.indexOf(x) - ids.indexOf(y))).toEqual(a);
    expect(sampleQueries(ids, 20, 8)).not.toEqual(a);
  });

  it("property: the sample of n is inside the sample of n+1 (same seed), and n >= size keeps all", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 199 }), fc.integer(), (n, seed) => {
        const small = new Set(sampleQueries(ids, n, seed));
        const big = new Set(sampleQueries(ids, n + 1, seed));
        return small.size === n && [...small].every((q) => big.has(q));
      }),
      { numRuns: 50 },
    );
    expect(sampleQueries(ids, 500, 1)).toEqual(ids);
  });

  it("plans the sample and records it", () => {
    const plan = planRun({ evalSet: evalSet(), models: [model("a")], topN: [], sample: 1, seed: 3 });
    expect(plan.queries).toHaveLength(1);
    expect(plan.sample).toEqual({ size: 1, seed: 3, of: 2 });
  });
});
