import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docIdFromText, loadEvalSet, queryIdFromText } from "../../src/datasets/index.js";
import { expectLocated, inputError, jsonl, scratch } from "./helpers.js";

let tmp: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  tmp = await scratch();
});
afterAll(() => tmp.cleanup());

const ROWS = [
  {
    query_id: "m1",
    query: "capital of peru",
    positive: ["Lima is the capital of Peru."],
    negative: ["Cusco was the Inca capital.", "Arequipa is a city in Peru.", "Peru borders Chile."],
  },
  {
    query: "largest ocean",
    positive: ["The Pacific is the largest ocean.", "The Pacific covers a third of the Earth."],
    negative: ["The Atlantic separates Europe and America."],
  },
];

describe("MTEB reranking JSONL", () => {
  it("grades positives 1 and negatives 0, with stable text-derived ids", async () => {
    const set = await loadEvalSet(await tmp.write("rerank.jsonl", jsonl(ROWS)));
    expect(set.format).toBe("mteb");
    expect(set.name).toBe("rerank");
    expect(set.candidatesSource).toBe("mteb");
    expect(set.candidatesRanked).toBe(false);
    const generated = queryIdFromText("largest ocean");
    expect([...set.queries.keys()]).toEqual(["m1", generated]);
    const lima = docIdFromText("Lima is the capital of Peru.");
    expect(set.qrels.get("m1")?.get(lima)).toBe(1);
    expect(set.qrels.get("m1")?.get(docIdFromText("Peru borders Chile."))).toBe(0);
    expect(set.docs.get(lima)).toEqual({ text: "Lima is the capital of Peru." });
    expect(set.candidates?.get("m1")).toHaveLength(4);
    expect(new Set(set.candidates?.get(generated))).toEqual(new Set(set.qrels.get(generated)?.keys()));
  });

  it("orders candidates deterministically, not positives first", async () => {
    const many = Array.from({ length: 30 }, (_, i) => ({
      query: `query ${i}`,
      positive: [`relevant ${i}`],
      negative: [`other ${i} a`, `other ${i} b`, `other ${i} c`],
    }));
    const a = await loadEvalSet(await tmp.write("many.jsonl", jsonl(many)));
    const b = await loadEvalSet(await tmp.write("many.jsonl.gz", jsonl(many)));
    expect(b.candidates).toEqual(a.candidates);
    const positiveAt = [...(a.candidates ?? [])].map(([q, ids]) =>
      ids.findIndex((id) => a.qrels.get(q)?.get(id) === 1),
    );
    // a label-blind order puts the one positive in every position across 30 queries
    expect(new Set(positiveAt)).toEqual(new Set([0, 1, 2, 3]));
  });

  it("judged pool and depth work on MTEB too", async () => {
    const file = await tmp.write("pool.jsonl", jsonl(ROWS));
    const pool = await loadEvalSet(file, { candidates: "qrels", depth: 2 });
    expect(pool.candidatesSource).toBe("qrels");
    expect(pool.candidates?.get("m1")).toHaveLength(2);
    expect(pool.docs.size).toBe(4);
  });
});

describe("MTEB errors name file, line and field", () => {
  const ok = JSON.stringify(ROWS[0]);
  const cases: Array<[string, string, number, string | undefined, RegExp]> = [
    ["malformed JSON", `${ok}\n{"query": "x", "positive": [}\n`, 2, undefined, /malformed JSON/],
    [
      "missing negative",
      `${ok}\n${JSON.stringify({ query: "x", positive: ["a"] })}\n`,
      2,
      "negative",
      /missing/,
    ],
    [
      "positive not a list",
      JSON.stringify({ query: "x", positive: "a", negative: [] }),
      1,
      "positive",
      /array of strings/,
    ],
    ["empty query", JSON.stringify({ query: " ", positive: ["a"], negative: [] }), 1, "query", /empty/],
    ["missing query", JSON.stringify({ positive: ["a"], negative: [] }), 1, "query", /missing/],
    [
      "non-string document",
      JSON.stringify({ query: "x", positive: ["a", 3], negative: [] }),
      1,
      "positive",
      /item 1/,
    ],
    [
      "duplicate document",
      JSON.stringify({ query: "x", positive: ["a"], negative: ["b", "a"] }),
      1,
      "negative",
      /duplicate/,
    ],
    ["repeated query", `${ok}\n\n${ok}\n`, 3, "query_id", /already appears on line 1/],
  ];
  for (const [name, content, line, field, reason] of cases)
    it(name, async () => {
      const file = await tmp.write(`${name.replace(/\W+/g, "-")}.jsonl`, content);
      const err = await inputError(loadEvalSet(file, { format: "mteb" }));
      expectLocated(err, file, line, field);
      expect(err.reason).toMatch(reason);
    });
});
