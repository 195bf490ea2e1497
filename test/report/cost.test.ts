/** Cost from a price as providers bill it, the cost of +0.01, and the quality–latency–cost front. */
import { describe, expect, it } from "vitest";
import { costPerPlus001, front, variantCost } from "../../src/report/cost.js";
import { manifest, record, score, variant } from "./fixtures.js";

describe("variantCost", () => {
  const answered = [
    record("v", "q1", [["a", 1]], { candidates: 150, requests: 2, usage: { totalTokens: 3000 } }),
    record("v", "q2", [["d", 1]], { candidates: 40, requests: 1, usage: { totalTokens: 1000 } }),
    record("v", "q3", [], { candidates: 40, error: { kind: "http", status: 500, message: "x" } }),
  ];

  it("search units: reported when the provider reports them, else one per 100 documents of a query", () => {
    expect(variantCost({ perSearchUnit: 2 }, answered)).toEqual({
      currency: "USD",
      total: 6, // ceil(150/100) + ceil(40/100) = 3 units; the failed query is not billed
      per1kQueries: 3000,
      perPlus001: null,
      basis: ["3 search units (estimated: one per 100 documents of a query)"],
    });
    const reported = answered.map((r) => ({ ...r, usage: { searchUnits: 1 } }));
    expect(variantCost({ perSearchUnit: 2, currency: "EUR" }, reported)).toMatchObject({
      currency: "EUR",
      total: 4,
      basis: ["2 search units (reported)"],
    });
  });

  it("requests and tokens add up; tokens the provider did not report make the cost unknown", () => {
    const c = variantCost({ per1kRequests: 1, perMillionTokens: 0.5 }, answered);
    expect(c?.total).toBeCloseTo(3 / 1000 + 4000 * 0.5e-6, 15);
    expect(c?.basis).toEqual(["3 requests", "4000 tokens (reported)"]);
    const silent = answered.map((r) => ({ ...r, usage: undefined }));
    expect(variantCost({ perMillionTokens: 1 }, silent)).toMatchObject({ total: null, per1kQueries: null });
    expect(variantCost(null, answered)).toBeNull();
  });

  it("the cost of +0.01 is the extra cost per 1,000 queries over the gain in hundredths; none when not better", () => {
    expect(costPerPlus001(3, 1, 0.05)).toBeCloseTo(0.4, 12);
    expect(costPerPlus001(3, 1, 0)).toBeNull();
    expect(costPerPlus001(3, 1, -0.02)).toBeNull();
    expect(costPerPlus001(null, 1, 0.05)).toBeNull();
  });
});

describe("front", () => {
  it("keeps what no other beats on every axis; cost is an axis only when every variant has one", () => {
    const pts = [
      { id: "cheap", quality: 0.5, p95: 10, cost: 1 },
      { id: "best", quality: 0.9, p95: 50, cost: 5 },
      { id: "worse", quality: 0.5, p95: 20, cost: 2 },
      { id: "fast", quality: 0.4, p95: 5, cost: 9 },
    ];
    expect(front(pts)).toEqual({
      axes: ["quality", "p95 latency", "cost"],
      variants: ["cheap", "best", "fast"],
    });
    // Without a price for one, only quality and latency: 'fast' and 'cheap' and 'best' still stand.
    expect(front(pts.map((p) => ({ ...p, cost: p.id === "worse" ? null : p.cost }))).axes).toEqual([
      "quality",
      "p95 latency",
    ]);
  });

  it("a report prices its variants and places them on the front", () => {
    const priced = { ...variant("x", 2), price: { perSearchUnit: 2 } };
    const r = score(manifest([priced, variant("y", 2)]), [
      record("x.top2", "q1", [["b", 1]]),
      record("x.top2", "q2", [["d", 1]]),
      record("y.top2", "q1", [["a", 1]]),
      record("y.top2", "q2", [["e", 1]]),
    ]);
    expect(r.variants[0].cost?.per1kQueries).toBe(2000);
    expect(r.variants[1].cost).toBeNull();
    expect(r.front.measure).toBe("nDCG@3");
    expect(r.front.axes).toEqual(["quality", "p95 latency"]);
    expect(r.front.variants).toEqual(["x.top2"]);
  });
});
