import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import {
  gateValue,
  parseFailOn,
  parseMaxDrift,
  parseNonInferior,
  trips,
} from "../../src/report/compare-gates.js";

const measures = ["nDCG@10", "RR@10"];

describe("gate expressions", () => {
  it("reads what the number means from its sign and unit", () => {
    expect(parseFailOn("nDCG@10 < -0.01", measures)).toMatchObject({
      kind: "quality",
      subject: "nDCG@10",
      threshold: -0.01,
      mode: "change",
    });
    expect(parseFailOn("ndcg@10 < -2%", measures)).toMatchObject({
      subject: "nDCG@10",
      threshold: -0.02,
      mode: "relative",
    });
    expect(parseFailOn("nDCG@10 < 0.5", measures)).toMatchObject({ mode: "value", threshold: 0.5 });
    expect(parseFailOn("p95 > +20%", measures)).toMatchObject({
      kind: "latency",
      subject: "p95",
      threshold: 0.2,
    });
    expect(parseFailOn("p99 > 800ms", measures)).toMatchObject({
      kind: "latency",
      mode: "value",
      threshold: 800,
    });
    expect(parseFailOn("failures > 0", measures)).toMatchObject({ kind: "failures", threshold: 0 });
    expect(parseFailOn("cost > +10%", measures)).toMatchObject({ kind: "cost", mode: "relative" });
    expect(parseNonInferior("nDCG@10:0.01", measures)).toMatchObject({
      kind: "non-inferior",
      threshold: -0.01,
    });
    expect(parseMaxDrift("rbo@10 < 0.9")).toMatchObject({
      kind: "drift",
      subject: "rbo",
      k: 10,
      threshold: 0.9,
    });
    expect(parseMaxDrift("top1 > 0.1")).toMatchObject({ subject: "top1", op: ">" });
  });

  it("refuses what does not parse, naming it", () => {
    for (const bad of ["nDCG@10 <= -0.01", "nDCG@10", "MAP < -1", "nDCG@10 < -1ms", "p95 > fast"])
      expect(() => parseFailOn(bad, measures)).toThrow(new RegExp(`--fail-on "${bad}" does not parse`));
    expect(() => parseNonInferior("nDCG@10", measures)).toThrow(UsageError);
    expect(() => parseMaxDrift("rbo < 0.9")).toThrow(/--max-drift "rbo < 0.9"/);
  });

  it("trips when the expression is true", () => {
    const g = parseFailOn("nDCG@10 < -2%", measures);
    expect(trips(g, gateValue(g, 0.7, 0.8) as number)).toBe(true);
    expect(trips(g, gateValue(g, 0.79, 0.8) as number)).toBe(false);
    expect(gateValue(g, 1, 0)).toBeNull();
  });
});
