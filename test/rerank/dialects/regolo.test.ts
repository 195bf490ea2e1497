/**
 * regolo's old seed answer has no index: the dialect recovers it from the echoed text, matching
 * repeated documents in order, and refuses to guess when a text matches nothing.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../../src/errors.js";
import { regolo } from "../../../src/rerank/dialects/regolo.js";
import type { DialectRequest } from "../../../src/rerank/types.js";

const req = (documents: string[]): DialectRequest => ({
  model: "Qwen3-Reranker-4B",
  query: "q",
  documents,
  options: {},
});

const seed = (results: { document: unknown; score: unknown }[]) => ({
  model: "Qwen3-Reranker-4B",
  query: "q",
  results,
});

describe("regolo seed answer (no index)", () => {
  it("recovers indices by exact text and says so", () => {
    const docs = ["alpha", "beta", "gamma"];
    const parsed = regolo.parseResponse(
      seed([
        { document: "gamma", score: 0.9 },
        { document: "alpha", score: 0.5 },
        { document: "beta", score: 0.1 },
      ]),
      req(docs),
    );
    expect(parsed.items).toStrictEqual([
      { index: 2, score: 0.9 },
      { index: 0, score: 0.5 },
      { index: 1, score: 0.1 },
    ]);
    expect(parsed.notes).toStrictEqual([
      { code: "index-recovered", detail: "index recovered by text match" },
    ]);
    expect(parsed.model).toBe("Qwen3-Reranker-4B");
  });

  it("matches duplicate documents to their first unused occurrence, in answer order", () => {
    const docs = ["dup", "other", "dup", "dup"];
    const parsed = regolo.parseResponse(
      seed([
        { document: "dup", score: 0.8 },
        { document: "other", score: 0.7 },
        { document: "dup", score: 0.8 },
        { document: "dup", score: 0.2 },
      ]),
      req(docs),
    );
    expect(parsed.items.map((i) => i.index)).toStrictEqual([0, 1, 2, 3]);
  });

  it("fails, naming the field, when a text matches no unused document", () => {
    const docs = ["dup", "other"];
    const twice = () =>
      regolo.parseResponse(
        seed([
          { document: "dup", score: 0.8 },
          { document: "dup", score: 0.7 },
        ]),
        req(docs),
      );
    expect(twice).toThrowError(ApiError);
    expect(twice).toThrowError(expect.objectContaining({ kind: "malformed", field: "results[1].document" }));
    const unknown = () => regolo.parseResponse(seed([{ document: "Dup", score: 0.8 }]), req(docs));
    expect(unknown).toThrowError(expect.objectContaining({ field: "results[0].document" }));
  });

  it("rejects a seed item whose score is not a number", () => {
    const parse = () => regolo.parseResponse(seed([{ document: "a", score: "0.9" }]), req(["a"]));
    expect(parse).toThrowError(expect.objectContaining({ kind: "malformed", field: "results[0].score" }));
  });

  it("does not mix shapes: an indexed answer missing one index is malformed, not text-matched", () => {
    const body = {
      id: "rerank-1",
      results: [
        { index: 1, relevance_score: 0.9, document: { text: "b" } },
        { relevance_score: 0.1, document: { text: "a" } },
      ],
      meta: null,
    };
    const parse = () => regolo.parseResponse(body, req(["a", "b"]));
    expect(parse).toThrowError(expect.objectContaining({ field: "results[1].index" }));
  });

  it("recovers a permutation of the request for any answer order (property)", () => {
    const docs = fc.array(fc.constantFrom("a", "b", "c", "d"), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(
        docs.chain((d) => fc.tuple(fc.constant(d), fc.shuffledSubarray(d, { minLength: d.length }))),
        ([sent, answered]) => {
          const parsed = regolo.parseResponse(
            seed(answered.map((document, i) => ({ document, score: 1 - i / 100 }))),
            req(sent),
          );
          const indices = parsed.items.map((i) => i.index);
          expect(new Set(indices).size).toBe(sent.length);
          expect(indices.map((index) => sent[index])).toStrictEqual(answered);
          // Equal texts keep their request order, so recovery is deterministic.
          for (const text of new Set(sent)) {
            const order = indices.filter((index) => sent[index] === text);
            expect(order).toStrictEqual([...order].sort((a, b) => a - b));
          }
        },
      ),
    );
  });
});
