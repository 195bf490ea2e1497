import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { formatTrecValue, inTrecEvalOrder, parseMeasures } from "../../src/metrics/index.js";

const names = (spec: string | string[]) => parseMeasures(spec).map((m) => m.name);

describe("parseMeasures", () => {
  it("keeps ir_measures names and their order", () => {
    expect(names("nDCG@10,RR@10,AP")).toEqual(["nDCG@10", "RR@10", "AP"]);
    expect(names(["R@100", "P@5", "Success@10", "Judged@10", "nDCG", "RR", "AP@100"])).toEqual([
      "R@100",
      "P@5",
      "Success@10",
      "Judged@10",
      "nDCG",
      "RR",
      "AP@100",
    ]);
  });

  it("maps every trec_eval alias to the canonical name", () => {
    const aliases: Record<string, string> = {
      "ndcg_cut.10": "nDCG@10",
      ndcg_cut_10: "nDCG@10",
      ndcg: "nDCG",
      recip_rank: "RR",
      map: "AP",
      "map_cut.100": "AP@100",
      map_cut_100: "AP@100",
      "P.5": "P@5",
      P_5: "P@5",
      "recall.100": "R@100",
      recall_100: "R@100",
      "success.10": "Success@10",
      success_10: "Success@10",
      num_rel: "NumRel",
      num_rel_ret: "NumRelRet",
    };
    for (const [alias, canonical] of Object.entries(aliases)) expect(names(alias)).toEqual([canonical]);
  });

  it("accepts case variants, MRR, spaces, a relevance level per measure and the exp gain", () => {
    expect(names(" ndcg@10 , mrr@10, p(rel=2)@10, AP(rel=2), nDCG@5(exp) ")).toEqual([
      "nDCG@10",
      "RR@10",
      "P(rel=2)@10",
      "AP(rel=2)",
      "nDCG@5(exp)",
    ]);
    expect(parseMeasures("AP(rel=2)")[0]).toMatchObject({ kind: "AP", rel: 2, aggregate: "mean" });
    expect(parseMeasures("num_rel")[0]).toMatchObject({ kind: "NumRel", aggregate: "sum" });
  });

  it("reads trec_eval's parameter lists and default cut-offs, and keeps the trec_eval name to print", () => {
    expect(names("P.5,10,map")).toEqual(["P@5", "P@10", "AP"]);
    expect(names(["ndcg_cut.5,10", "P.5"])).toEqual(["nDCG@5", "nDCG@10", "P@5"]);
    expect(names("success")).toEqual(["Success@1", "Success@5", "Success@10"]);
    expect(names("recall")).toHaveLength(9);
    expect(parseMeasures("ndcg_cut.10,map,P_5,nDCG@10,RR").map((m) => m.trecName)).toEqual([
      "ndcg_cut_10",
      "map",
      "P_5",
      undefined,
    ]);
  });

  it("inTrecEvalOrder: trec_eval's measure table order, cut-offs ascending", () => {
    const ordered = inTrecEvalOrder(
      parseMeasures("success.5,ndcg_cut.10,P.10,map_cut.5,P.5,ndcg,recall.5,map,num_rel"),
    );
    expect(ordered.map((m) => m.trecName)).toEqual([
      "num_rel",
      "map",
      "P_5",
      "P_10",
      "recall_5",
      "ndcg",
      "ndcg_cut_10",
      "map_cut_5",
      "success_5",
    ]);
  });

  it("drops duplicates, alias or not", () => {
    expect(names("map,AP,ndcg_cut_10,nDCG@10")).toEqual(["AP", "nDCG@10"]);
  });

  it.each([
    ["foo", "unknown measure 'foo'"],
    ["nDCG@", "unknown measure 'nDCG@'"],
    ["Success", "needs a cut-off"],
    ["R", "needs a cut-off"],
    ["constructor", "unknown measure 'constructor'"],
    ["map,10", "unknown measure '10'"],
    ["P@0", "at least 1"],
    ["NumRel@10", "takes no cut-off"],
    ["nDCG(rel=2)@10", "takes no relevance level"],
    ["AP@10(exp)", "applies to nDCG only"],
    ["", "no measure given"],
  ])("rejects %j with a UsageError naming it", (spec, message) => {
    expect(() => parseMeasures(spec)).toThrow(UsageError);
    expect(() => parseMeasures(spec)).toThrow(message);
  });
});

describe("formatTrecValue (C printf %.4f)", () => {
  it("rounds exact ties to even, as glibc does, unlike toFixed", () => {
    expect((0.03125).toFixed(4)).toBe("0.0313");
    expect(formatTrecValue(0.03125)).toBe("0.0312"); // 1/32, exact in binary
    expect(formatTrecValue(0.09375)).toBe("0.0938"); // 3/32: tie, 7 is odd → up
    expect(formatTrecValue(0.15625)).toBe("0.1562");
  });

  it("rounds everything else to nearest", () => {
    expect(formatTrecValue(1 / 3)).toBe("0.3333");
    expect(formatTrecValue(2 / 3)).toBe("0.6667");
    expect(formatTrecValue(0.00015)).toBe("0.0001"); // 0.00015 is stored just below the tie
    expect(formatTrecValue(0)).toBe("0.0000");
    expect(formatTrecValue(1)).toBe("1.0000");
    expect(formatTrecValue(-0.03125)).toBe("-0.0312");
  });
});
