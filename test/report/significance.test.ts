/**
 * A report's statistics, end to end through the score stage: a variant that finds the relevant
 * document on every query is better than the baseline beyond noise, one that changes nothing is not,
 * p-values are Holm-corrected over the report, and each mean's interval holds the mean.
 */
import { describe, expect, it } from "vitest";
import { manifest, record, score, variant } from "./fixtures.js";

const qids = Array.from({ length: 30 }, (_, i) => `q${i + 1}`);
const m = manifest(
  [variant("base"), variant("good"), variant("same"), variant("flaky")],
  "csv",
  qids.map((qid) => ({ qid, candidates: ["r", "x", "y"] })),
);
const judged = new Map(qids.map((q) => [q, new Map([["r", 1]])]));
const recs = qids.flatMap((q, i) => [
  // The baseline finds r at rank 1 on a third of the queries, else at rank 3.
  record(
    "base",
    q,
    i % 3 === 0
      ? ([
          ["r", 3],
          ["x", 2],
          ["y", 1],
        ].reverse() as [string, number][])
      : [
          ["x", 3],
          ["y", 2],
          ["r", 1],
        ],
  ),
  record("good", q, [
    ["r", 3],
    ["x", 2],
    ["y", 1],
  ]),
  record(
    "same",
    q,
    i % 3 === 0
      ? ([
          ["r", 3],
          ["x", 2],
          ["y", 1],
        ].reverse() as [string, number][])
      : [
          ["x", 3],
          ["y", 2],
          ["r", 1],
        ],
  ),
  i < 5
    ? record("flaky", q, [], { error: { kind: "http", status: 500, message: "x" } })
    : record("flaky", q, [
        ["r", 3],
        ["x", 2],
        ["y", 1],
      ]),
]);

describe("report statistics", () => {
  const r = score(m, recs, judged);
  const on = (id: string, measure = "nDCG@3") =>
    r.comparisons.find((c) => c.variant === id && c.measure === measure);

  it("compares every variant with the baseline on every headline measure, Holm over all of them", () => {
    expect(r.baseline).toBe("base");
    expect(r.comparisons).toHaveLength(3 * r.headline.length);
    const good = on("good");
    expect(good?.significant).toBe(true);
    expect(good?.wins).toBeGreaterThan(15);
    expect(good?.losses).toBe(0);
    expect(good?.ci95?.[0]).toBeGreaterThan(0);
    expect(on("same")).toMatchObject({
      delta: 0,
      wins: 0,
      losses: 0,
      ties: 30,
      significant: false,
      pRandomization: 1,
    });
    const raw = r.comparisons.map((c) => c.pRandomization ?? 1);
    for (const [i, c] of r.comparisons.entries()) expect(c.pAdjusted).toBeGreaterThanOrEqual(raw[i]);
  });

  it("compares over the queries both evaluated: a failure is not a 0 the variant earned", () => {
    expect(on("flaky")?.queries).toBe(25);
    expect(on("good")?.queries).toBe(30);
  });

  it("gives each mean its interval, Tukey groups on the primary measure, and the power of the query set", () => {
    for (const v of r.variants) {
      const { mean, ci95 } = v.metrics["nDCG@3"];
      if (v.id === "good") expect(ci95).toEqual([1, 1]);
      else {
        expect(ci95?.[0]).toBeLessThanOrEqual(mean);
        expect(ci95?.[1]).toBeGreaterThanOrEqual(mean);
      }
    }
    expect(r.groups?.measure).toBe("nDCG@3");
    expect(r.groups?.letters.good).toBe("a");
    expect(r.groups?.letters.base).toBe(r.groups?.letters.same);
    expect(r.groups?.letters.base).not.toContain("a");
    expect(r.power?.measure).toBe("nDCG@3");
    expect(r.power?.mde).toBeGreaterThan(0);
  });
});

describe("the correction", () => {
  it("is Holm by default and Benjamini–Hochberg when the run asks (--correction bh): never above Holm", () => {
    const holm = score(m, recs, judged);
    const bh = score({ ...m, scoring: { ...m.scoring, correction: "bh" } }, recs, judged);
    expect([holm.significance.correction, bh.significance.correction]).toEqual(["holm", "bh"]);
    bh.comparisons.forEach((c, i) => {
      expect(c.pRandomization).toBe(holm.comparisons[i].pRandomization);
      expect(c.pAdjusted ?? 1).toBeLessThanOrEqual(holm.comparisons[i].pAdjusted ?? 1);
    });
    expect(bh.comparisons.some((c, i) => (c.pAdjusted ?? 1) < (holm.comparisons[i].pAdjusted ?? 1))).toBe(
      true,
    );
  });
});
