import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { candidateCeiling, defaultMeasures, headlineMeasures } from "../../src/report/model.js";
import { manifest, qrels, record, report, score, variant } from "./fixtures.js";

describe("report model", () => {
  it("default measures cover nDCG@k, RR@10, AP, R@k, P@k, Success@k; the headline picks the main ones", () => {
    expect(defaultMeasures([5, 10])).toEqual([
      "nDCG@5",
      "nDCG@10",
      "RR@10",
      "AP",
      "R@5",
      "R@10",
      "P@5",
      "P@10",
      "Success@5",
      "Success@10",
    ]);
    expect(headlineMeasures(defaultMeasures([5, 10]), [5, 10], false)).toEqual([
      "nDCG@5",
      "nDCG@10",
      "RR@10",
      "AP",
      "R@10",
    ]);
    expect(headlineMeasures(["AP", "RR"], [10], true)).toEqual(["AP", "RR"]);
  });

  it("the ceiling is R@depth of the candidate lists (z is judged relevant but never a candidate)", () => {
    // q1: relevant b, z; candidates hold b → 1/2. q2: relevant d, present → 1. Mean 0.75.
    const c = candidateCeiling(qrels, [
      { qid: "q1", docIds: ["a", "b", "c"] },
      { qid: "q2", docIds: ["d", "e"] },
    ]);
    expect(c).toEqual({
      measure: "R@3",
      mean: 0.75,
      meanWithRelevant: 0.75,
      relevantInCandidates: 2,
      relevantTotal: 3,
      queriesWithoutRelevant: 0,
    });
  });

  it("aggregates per variant: means, per-query vectors, failures by kind, ties, latency, usage-free totals", () => {
    const r = report();
    const [x2, , , y3] = r.variants;
    // x.top2 q1: b (grade 2) at rank 1 → RR 1; q2: d at rank 1 → RR 1.
    expect(x2.metrics["RR@10"].mean).toBe(1);
    // y.top3 q1: a, b, c all at 0.9 → trec order c, b, a: b at rank 2 → RR 1/2; q2 failed → 0.
    expect(y3.perQuery["RR@10"]).toEqual({ q1: 0.5, q2: 0 });
    expect(y3.metrics["RR@10"].mean).toBe(0.25);
    expect(y3.failures).toEqual({
      count: 1,
      queries: ["q2"],
      byKind: { "http 503": 1 },
      examples: { "http 503": "overloaded" },
    });
    expect(y3.ties).toEqual({ k: 3, queries: 1 });
    expect(x2.ties.queries).toBe(0);
    expect(x2.usage).toEqual({ totalTokens: 42, searchUnits: 2 });
    expect(y3.usage).toEqual({});
    expect(y3.latency?.query?.count).toBe(2);
    expect(y3.calls).toEqual({ attempts: 5, requests: 2, retriedQueries: 1 });
    expect(r.failures).toEqual({ count: 1, maxFailures: 0, exceeded: true });
    expect(r.candidates.ceiling.mean).toBe(0.75);
  });
});

describe("query ids are plain data", () => {
  it("a query named __proto__ keeps its per-query values in report.json", () => {
    const p = manifest(
      [variant("v")],
      "csv",
      ["__proto__", "q2"].map((qid) => ({ qid, candidates: ["a"] })),
    );
    const judged = new Map([
      ["__proto__", new Map([["a", 1]])],
      ["q2", new Map([["b", 1]])],
    ]);
    const r = score(p, [record("v", "__proto__", [["a", 1]]), record("v", "q2", [["a", 1]])], judged);
    const column = JSON.parse(JSON.stringify(r.variants[0].perQuery.AP));
    expect(Object.keys(column)).toEqual(["__proto__", "q2"]);
    expect(column.q2).toBe(0);
    expect(Object.getOwnPropertyDescriptor(column, "__proto__")?.value).toBe(1);
  });
});

describe("report model properties", () => {
  it("means are the average of the per-query vectors, failures count 0 and are listed in plan order", () => {
    const qids = ["q1", "q2", "q3", "q4"];
    const docs = ["a", "b", "c", "d", "e"];
    const outcome = fc.record({
      failed: fc.boolean(),
      scores: fc.array(fc.constantFrom(0, 0.25, 0.5, 1), { minLength: 5, maxLength: 5 }),
      cut: fc.integer({ min: 0, max: 5 }),
    });
    fc.assert(
      fc.property(fc.array(outcome, { minLength: 4, maxLength: 4 }), fc.boolean(), (outcomes, shuffle) => {
        const p = manifest(
          [variant("v")],
          "csv",
          qids.map((qid) => ({ qid, candidates: docs })),
        );
        let recs = outcomes.map((o, i) =>
          o.failed
            ? record("v", qids[i], [], { error: { kind: "http", status: 500, message: "boom" } })
            : record(
                "v",
                qids[i],
                docs.slice(0, o.cut).map((d, j) => [d, o.scores[j]] as [string, number]),
              ),
        );
        if (shuffle) recs = [...recs].reverse();
        const judged = new Map(
          qids.map((q, i) => [
            q,
            new Map([
              [docs[i], 1],
              [docs[4], 2],
            ]),
          ]),
        );
        const r = score(p, recs, judged);
        const v = r.variants[0];
        const failedIds = qids.filter((_, i) => outcomes[i].failed);
        expect(v.failures.queries).toEqual(failedIds);
        for (const m of r.measures) {
          const column = v.perQuery[m];
          expect(Object.keys(column)).toEqual(qids);
          for (const q of failedIds) expect(column[q]).toBe(0);
          for (const x of Object.values(column)) expect(x >= 0 && x <= 1).toBe(true);
          const avg = qids.reduce((s, q) => s + column[q], 0) / qids.length;
          expect(v.metrics[m].mean).toBeCloseTo(avg, 12);
        }
      }),
      { numRuns: 100 },
    );
  });
});
