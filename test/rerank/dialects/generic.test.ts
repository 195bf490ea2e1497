/**
 * The generic dialect: field paths from options on both sides, and the §18.3 fallback when the
 * answer paths are not given.
 */
import { describe, expect, it } from "vitest";
import { ApiError, UsageError } from "../../../src/errors.js";
import { generic } from "../../../src/rerank/dialects/generic.js";
import type { DialectRequest } from "../../../src/rerank/types.js";

const docs = ["zero", "one", "two"];
const req = (options: Record<string, unknown> = {}, topN?: number): DialectRequest => ({
  model: "m",
  query: "q",
  documents: docs,
  topN,
  options,
});

describe("generic request", () => {
  it("defaults to the Cohere-style body", () => {
    expect(generic.buildRequest(req()).body).toStrictEqual({ model: "m", query: "q", documents: docs });
    expect(generic.buildRequest(req({}, 2)).body).toStrictEqual({
      model: "m",
      query: "q",
      documents: docs,
      top_n: 2,
    });
  });

  it("leaves out model and top_n when their fields are turned off", () => {
    const body = generic.buildRequest(req({ modelField: null, topNField: null }, 2)).body;
    expect(body).toStrictEqual({ query: "q", documents: docs });
  });

  it("lets the request fields win over extraBody and never mutates the caller's extraBody", () => {
    const extraBody = { query: "stale", nested: { keep: 1 }, return_documents: false };
    const body = generic.buildRequest(req({ extraBody, documentsField: "nested.docs" })).body;
    expect(body).toStrictEqual({
      query: "q",
      model: "m",
      nested: { keep: 1, docs },
      return_documents: false,
    });
    expect(extraBody).toStrictEqual({ query: "stale", nested: { keep: 1 }, return_documents: false });
  });

  it("rejects bad options with a UsageError naming the option", () => {
    expect(() => generic.buildRequest(req({ queryField: 3 }))).toThrowError(UsageError);
    expect(() => generic.buildRequest(req({ queryField: 3 }))).toThrowError(/queryField/);
    expect(() => generic.buildRequest(req({ documentsField: "" }))).toThrowError(/documentsField/);
    expect(() => generic.buildRequest(req({ extraBody: [1] }))).toThrowError(/extraBody/);
  });
});

describe("generic answer fallback (§18.3)", () => {
  it("takes results, data or rankings, or a bare array", () => {
    const items = [{ index: 1, score: 0.5 }];
    for (const body of [{ results: items }, { data: items }, { rankings: items }, items]) {
      expect(generic.parseResponse(body, req()).items).toStrictEqual([{ index: 1, score: 0.5 }]);
    }
  });

  it("reads the score from the first of relevance_score, relevanceScore, score, logit", () => {
    const parse = (item: Record<string, unknown>) =>
      generic.parseResponse({ results: [item] }, req()).items[0];
    expect(parse({ index: 0, relevance_score: 0.1, score: 0.9 })).toStrictEqual({ index: 0, score: 0.1 });
    expect(parse({ index: 0, relevanceScore: 0.2 })).toStrictEqual({ index: 0, score: 0.2 });
    expect(parse({ index: 0, logit: -3 })).toStrictEqual({ index: 0, score: -3 });
  });

  it("falls back from index to a numeric id, then to the echoed text", () => {
    expect(generic.parseResponse({ data: [{ id: 2, score: 1 }] }, req()).items).toStrictEqual([
      { index: 2, score: 1 },
    ]);
    const byText = generic.parseResponse(
      {
        results: [
          { document: { text: "two" }, score: 0.9 },
          { text: "zero", score: 0.3 },
        ],
      },
      req(),
    );
    expect(byText.items).toStrictEqual([
      { index: 2, score: 0.9 },
      { index: 0, score: 0.3 },
    ]);
    expect(byText.notes).toStrictEqual([
      { code: "index-recovered", detail: "index recovered by text match" },
    ]);
  });

  it("uses configured answer paths and names them in errors", () => {
    const options = { resultsPath: "out.hits", indexField: "pos", scoreField: "sim.value" };
    const body = { out: { hits: [{ pos: 1, sim: { value: 4 } }] } };
    expect(generic.parseResponse(body, req(options)).items).toStrictEqual([{ index: 1, score: 4 }]);
    const missing = () => generic.parseResponse({ out: { hits: [{ pos: 1 }] } }, req(options));
    expect(missing).toThrowError(expect.objectContaining({ field: "out.hits[0].sim.value" }));
    const noArray = () => generic.parseResponse({ out: {} }, req(options));
    expect(noArray).toThrowError(expect.objectContaining({ kind: "malformed", field: "out.hits" }));
  });

  it("refuses to guess: no array, no score, no index and no text are malformed", () => {
    const cases: [unknown, string][] = [
      [{ items: [] }, "results"],
      [{ results: [{ index: 0 }] }, "results[0].score"],
      [{ results: [{ score: 1 }] }, "results[0].index"],
      [{ results: [{ index: "1", score: 1 }] }, "results[0].index"],
      [{ results: [{ document: "nine", score: 1 }] }, "results[0].document"],
      [{ results: ["x"] }, "results[0]"],
    ];
    for (const [body, field] of cases) {
      let error: unknown;
      try {
        generic.parseResponse(body, req());
      } catch (err) {
        error = err;
      }
      expect(error, JSON.stringify(body)).toBeInstanceOf(ApiError);
      expect((error as ApiError).field, JSON.stringify(body)).toBe(field);
    }
  });
});
