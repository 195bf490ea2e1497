import { describe, expect, it } from "vitest";
import { parseMeasures, type Qrels, type Run, scoreRun } from "../../src/metrics/index.js";

const qrelsOf = (judged: Record<string, Record<string, number>>): Qrels =>
  new Map(Object.entries(judged).map(([q, d]) => [q, new Map(Object.entries(d))]));
const runOf = (ranked: Record<string, [string, number][]>): Run =>
  new Map(
    Object.entries(ranked).map(([q, r]) => [q, { docIds: r.map((x) => x[0]), scores: r.map((x) => x[1]) }]),
  );
const one = (judged: Record<string, number>, ranking: [string, number][], measures: string[], level = 1) =>
  scoreRun(qrelsOf({ q: judged }), runOf({ q: ranking }), measures, { relevanceLevel: level }).perQuery.q;

describe("hand-checked values", () => {
  it("all-tied ranking: ties go to the greater doc id (d, c, b, a)", () => {
    // Order d c b a → c (grade 2) at rank 2, a (grade 1) at rank 4.
    // DCG@10 = 2/log2(3) + 1/log2(5) = 1.261860 + 0.430677 = 1.692537
    // IDCG@10 = 2/log2(2) + 1/log2(3) = 2 + 0.630930 = 2.630930 → nDCG@10 = 0.643322
    // RR = 1/2; AP = (1/2 + 2/4) / 2 = 0.5; P@2 = 1/2; R@2 = 1/2
    const v = one(
      { a: 1, c: 2 },
      ["a", "b", "c", "d"].map((d) => [d, 1.0] as [string, number]),
      ["nDCG@10", "RR", "AP", "P@2", "R@2"],
    );
    expect(v["nDCG@10"]).toBeCloseTo(0.643322, 6);
    expect(v).toMatchObject({ RR: 0.5, AP: 0.5, "P@2": 0.5, "R@2": 0.5 });
    // At relevance level 2 only c is relevant: RR = 1/2, AP = (1/2)/1, nDCG unchanged (grades, not levels).
    const l2 = one(
      { a: 1, c: 2 },
      ["a", "b", "c", "d"].map((d) => [d, 1.0] as [string, number]),
      ["RR", "AP", "nDCG@10"],
      2,
    );
    expect(l2).toMatchObject({ RR: 0.5, AP: 0.5 });
    expect(l2["nDCG@10"]).toBeCloseTo(0.643322, 6);
  });

  it("a relevant document never retrieved still counts in IDCG, AP's R and recall", () => {
    // x (grade 3) is not ranked; y (grade 1) at rank 1.
    // nDCG@10 = (1/log2 2) / (3/log2 2 + 1/log2 3) = 1 / 3.630930 = 0.275412
    // AP = (1/1) / 2 = 0.5; R@10 = 1/2; RR = 1
    const v = one(
      { x: 3, y: 1 },
      [
        ["y", 5],
        ["z", 4],
      ],
      ["nDCG@10", "AP", "R@10", "RR"],
    );
    expect(v["nDCG@10"]).toBeCloseTo(0.275412, 6);
    expect(v).toMatchObject({ AP: 0.5, "R@10": 0.5, RR: 1 });
  });

  it("negative scores sort by value: -0.2 before -1.5 before -3", () => {
    // a (relevant) is second: RR = 1/2; nDCG@3 = (1/log2 3) / 1 = 0.630930; P@1 = 0
    const v = one(
      { a: 1 },
      [
        ["a", -1.5],
        ["b", -0.2],
        ["c", -3],
      ],
      ["RR", "nDCG@3", "P@1"],
    );
    expect(v.RR).toBe(0.5);
    expect(v["nDCG@3"]).toBeCloseTo(0.63093, 5);
    expect(v["P@1"]).toBe(0);
  });

  it("a judged query with no relevant document counts, at 0, and is reported", () => {
    // Grades 0 and -1 only: R = 0, IDCG = 0 → nDCG = RR = AP = R@2 = 0; both docs judged → Judged@2 = 1.
    const r = scoreRun(
      qrelsOf({ q: { a: 0, b: -1 }, p: { a: 1 } }),
      runOf({
        q: [
          ["a", 2],
          ["b", 1],
        ],
        p: [["a", 1]],
      }),
      ["nDCG@10", "RR", "AP", "R@2", "Judged@2"],
    );
    expect(r.perQuery.q).toEqual({ "nDCG@10": 0, RR: 0, AP: 0, "R@2": 0, "Judged@2": 1 });
    expect(r.noRelevant).toBe(1);
    expect(r.queries).toBe(2);
    expect(r.mean.RR).toBe(0.5); // (0 + 1) / 2
  });

  it("ties use UTF-8 byte order, where '<' disagrees: U+1F600 sorts after U+FF5E", () => {
    // "\u{1F600}" is F0 9F 98 80 in UTF-8 (> EF BD 9E for U+FF5E), but "\uD83D\uDE00" < "\uFF5E" in UTF-16.
    // Tied scores, descending ids → the emoji first; the relevant U+FF5E at rank 2 → RR = 1/2.
    expect("\u{1F600}" < "\uFF5E").toBe(true);
    const v = one(
      { "\uFF5E": 1, "\u{1F600}": 0 },
      [
        ["\uFF5E", 1],
        ["\u{1F600}", 1],
      ],
      ["RR"],
    );
    expect(v.RR).toBe(0.5);
  });

  it("P@k divides by k even when fewer were ranked; Judged@k by the ranking length", () => {
    // 2 ranked, 1 relevant: P@5 = 1/5; 1 of the 2 shown judged: Judged@10 = 1/2
    const v = one(
      { a: 1 },
      [
        ["a", 2],
        ["b", 1],
      ],
      ["P@5", "Judged@10"],
    );
    expect(v).toEqual({ "P@5": 0.2, "Judged@10": 0.5 });
  });

  it("AP@k divides by every relevant document, not min(k, R)", () => {
    // 3 relevant, only a (rank 1) within k = 1: AP@1 = (1/1) / 3
    const v = one(
      { a: 1, b: 1, c: 1 },
      [
        ["a", 3],
        ["b", 2],
        ["c", 1],
      ],
      ["AP@1", "AP"],
    );
    expect(v["AP@1"]).toBeCloseTo(1 / 3, 12);
    expect(v.AP).toBe(1);
  });

  it("RR@k ignores relevant documents below k", () => {
    // first relevant at rank 3: RR = 1/3, RR@2 = 0
    const v = one(
      { c: 1 },
      [
        ["a", 3],
        ["b", 2],
        ["c", 1],
      ],
      ["RR", "RR@2", "Success@2", "Success@3"],
    );
    expect(v).toEqual({ RR: 1 / 3, "RR@2": 0, "Success@2": 0, "Success@3": 1 });
  });

  it("nDCG@k(exp) uses 2^g − 1 and is named apart from the linear nDCG@k", () => {
    // ranking a (1), b (2). Linear: (1 + 2/log2 3) / (2 + 1/log2 3) = 2.261860 / 2.630930 = 0.859719
    // Exp: (1 + 3/log2 3) / (3 + 1/log2 3) = 2.892789 / 3.630930 = 0.796708
    const v = one(
      { a: 1, b: 2 },
      [
        ["a", 2],
        ["b", 1],
      ],
      ["nDCG@10", "nDCG@10(exp)"],
    );
    expect(v["nDCG@10"]).toBeCloseTo(0.859719, 6);
    expect(v["nDCG@10(exp)"]).toBeCloseTo(0.796708, 6);
  });

  it("complete convention and ranked queries without judgements", () => {
    // judged: q1 (ranked, RR 1), q2 (not ranked); ranked: q1, q3 (not judged → ignored)
    const qrels = qrelsOf({ q1: { a: 1 }, q2: { b: 1 } });
    const run = runOf({ q1: [["a", 1]], q3: [["z", 1]] });
    const complete = scoreRun(qrels, run, ["RR"], { complete: true });
    expect(complete).toMatchObject({ queries: 2, mean: { RR: 0.5 }, judgedWithoutRanking: ["q2"] });
    expect(complete.perQuery.q2).toEqual({ RR: 0 });
    expect(complete.rankedWithoutJudgements).toBe(1);
    const partial = scoreRun(qrels, run, ["RR"], { complete: false });
    expect(partial).toMatchObject({ queries: 1, mean: { RR: 1 }, judgedWithoutRanking: ["q2"] });
    expect(partial.perQuery.q2).toBeUndefined();
    expect(partial.perQuery.q3).toBeUndefined();
  });

  it("counts: NumRel and NumRelRet are summed over queries, like trec_eval's `all` row", () => {
    const r = scoreRun(
      qrelsOf({ q1: { a: 1, b: 2, c: 0 }, q2: { d: 1 } }),
      runOf({
        q1: [
          ["a", 1],
          ["c", 0],
        ],
        q2: [["x", 1]],
      }),
      ["NumRel", "NumRelRet"],
    );
    expect(r.perQuery).toEqual({ q1: { NumRel: 2, NumRelRet: 1 }, q2: { NumRel: 1, NumRelRet: 0 } });
    expect(r.mean).toEqual({ NumRel: 3, NumRelRet: 1 });
  });
});

describe("empty rankings", () => {
  it("an empty ranking of a judged query is 'no ranking': listed, and counted at 0 only when complete", () => {
    const qrels = qrelsOf({ q1: { a: 1 }, q2: { b: 1 } });
    const run = runOf({ q1: [["a", 1]], q2: [] });
    const complete = scoreRun(qrels, run, ["AP"], { complete: true });
    expect(complete).toMatchObject({ queries: 2, judgedWithoutRanking: ["q2"], mean: { AP: 0.5 } });
    const partial = scoreRun(qrels, run, ["AP"], { complete: false });
    expect(partial).toMatchObject({ queries: 1, judgedWithoutRanking: ["q2"], mean: { AP: 1 } });
  });
});

describe("query ids are data", () => {
  it("a query id like __proto__ or constructor is an ordinary key", () => {
    const proto = "__proto__";
    const qrels: Qrels = new Map([
      [proto, new Map([["a", 1]])],
      ["constructor", new Map([["b", 1]])],
    ]);
    const run: Run = new Map([
      [proto, { docIds: ["a"], scores: [1] }],
      ["constructor", { docIds: ["x"], scores: [1] }],
    ]);
    const r = scoreRun(qrels, run, ["RR"]);
    expect(Object.keys(r.perQuery).sort()).toEqual([proto, "constructor"]);
    expect(r.perQuery[proto]).toEqual({ RR: 1 });
    expect(JSON.parse(JSON.stringify(r.perQuery)).constructor).toEqual({ RR: 0 });
  });
});

describe("measures as parsed objects", () => {
  it("scoreRun takes parseMeasures' output as well as names, aliases resolved to canonical names", () => {
    const qrels = qrelsOf({ q: { a: 1 } });
    const run = runOf({
      q: [
        ["b", 2],
        ["a", 1],
      ],
    });
    const byName = scoreRun(qrels, run, ["recip_rank", "P.2"]);
    const parsed = scoreRun(qrels, run, parseMeasures("recip_rank,P.2"));
    expect(parsed).toEqual(byName);
    expect(parsed.mean).toEqual({ RR: 0.5, "P@2": 0.5 });
  });
});
