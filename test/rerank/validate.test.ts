import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError, UsageError } from "../../src/errors.js";
import { createReranker } from "../../src/rerank/client.js";
import type { Reranker } from "../../src/rerank/types.js";
import { validateAnswerItems } from "../../src/rerank/validate.js";
import { json, type LocalServer, regoloConfig, startLocalServer } from "./local-server.js";

/** Raw answer bodies, served verbatim, keyed by the query that asks for them. */
const ANSWERS: Record<string, string> = {
  outOfRange: '{"results":[{"index":3,"relevance_score":0.9},{"index":0,"relevance_score":0.1}]}',
  negative: '{"results":[{"index":-1,"relevance_score":0.9}]}',
  duplicate: '{"results":[{"index":1,"relevance_score":0.9},{"index":1,"relevance_score":0.8}]}',
  nonInteger: '{"results":[{"index":1.5,"relevance_score":0.9}]}',
  infinite: '{"results":[{"index":0,"relevance_score":1e999}]}',
  stringScore: '{"results":[{"index":0,"relevance_score":"0.9"}]}',
  tooMany:
    '{"results":[{"index":0,"relevance_score":0.9},{"index":1,"relevance_score":0.8},{"index":2,"relevance_score":0.7},{"index":3,"relevance_score":0.6}]}',
  notJson: "<html>gateway</html>",
  noResults: '{"data":[]}',
};

describe("answer validation", () => {
  let server: LocalServer;
  let reranker: Reranker;
  beforeAll(async () => {
    server = await startLocalServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(ANSWERS[req.body.query ?? ""] ?? "{}");
    });
    reranker = createReranker(regoloConfig(server.url));
  });
  afterAll(async () => {
    await reranker.close();
    await server.close();
  });

  async function malformedField(query: string): Promise<ApiError> {
    const err = await reranker.rerank(query, ["a", "b", "c"]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err, query).toBeInstanceOf(ApiError);
    const apiError = err as ApiError;
    expect(apiError.kind).toBe("malformed");
    expect(apiError.retryable).toBe(false);
    expect(apiError.attempts).toBe(1);
    expect(apiError.message.startsWith("regolo ")).toBe(true);
    return apiError;
  }

  it("rejects an index out of range, negative, repeated or fractional", async () => {
    expect((await malformedField("outOfRange")).field).toBe("index");
    expect((await malformedField("outOfRange")).message).toMatch(/index 3, outside \[0, 3\)/);
    expect((await malformedField("negative")).field).toBe("index");
    expect((await malformedField("duplicate")).message).toMatch(/index 1 appears more than once/);
    expect((await malformedField("nonInteger")).message).toMatch(/index 1.5, not an integer/);
  });

  it("rejects non-finite and non-numeric scores", async () => {
    expect((await malformedField("infinite")).field).toBe("score");
    // The dialect reads the field and names it with its path.
    expect((await malformedField("stringScore")).field).toBe("results[0].relevance_score");
  });

  it("rejects more items than documents sent, a non-JSON body and a missing result array", async () => {
    const tooMany = await malformedField("tooMany");
    expect(tooMany.field).toBe("results");
    expect(tooMany.message).toMatch(/4 items for 3 documents/);
    expect((await malformedField("notJson")).field).toBe("body");
    expect((await malformedField("noResults")).field).toBe("results");
  });

  it("says it in one line: provider, field, problem and attempts", async () => {
    expect((await malformedField("outOfRange")).message).toBe(
      "regolo answer malformed: field 'index': item 0 has index 3, outside [0, 3) (after 1 attempt)",
    );
    expect((await malformedField("stringScore")).message).toBe(
      "regolo answer malformed: field 'results[0].relevance_score': must be a number, got a string (after 1 attempt)",
    );
    expect((await malformedField("notJson")).message).toBe(
      "regolo answer malformed: field 'body': HTTP 200 answer is not JSON (after 1 attempt)",
    );
  });

  it("names NaN scores (not expressible in JSON, checked directly)", () => {
    expect(() => validateAnswerItems([{ index: 0, score: Number.NaN }], 1)).toThrowError(
      /field 'score': item 0 \(index 0\) has score NaN/,
    );
    expect(() => validateAnswerItems([{ index: 0, score: 0.5 }], 1)).not.toThrow();
  });
});

describe("top_n over-delivery", () => {
  it("cuts an answer longer than top_n client-side and says so", async () => {
    const server = await startLocalServer((_req, res) =>
      json(res, 200, {
        results: [
          { index: 2, relevance_score: 0.9 },
          { index: 0, relevance_score: 0.5 },
          { index: 1, relevance_score: 0.1 },
        ],
      }),
    );
    const reranker = createReranker(regoloConfig(server.url));
    try {
      const result = await reranker.rerank("q", ["a", "b", "c"], { topN: 2 });
      expect(server.requests[0].body.top_n).toBe(2);
      expect(result.items).toEqual([
        { index: 2, score: 0.9 },
        { index: 0, score: 0.5 },
      ]);
      expect(result.notes).toEqual([
        { code: "over-top-n", detail: "provider returned 3 items for top_n 2; cut client-side" },
      ]);
    } finally {
      await reranker.close();
      await server.close();
    }
  });
});

describe("a generic answer option that is not a field path", () => {
  it("is a usage error (exit 2), not blamed on the answer", async () => {
    const server = await startLocalServer((_req, res) => json(res, 200, { results: [] }));
    const reranker = createReranker({
      provider: "generic",
      endpoint: server.url,
      model: "m",
      env: {},
      options: { resultsPath: 5 },
    });
    try {
      const err = await reranker.rerank("q", ["a"]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toBe(
        "generic provider: option 'resultsPath' must be a field path string, got number",
      );
    } finally {
      await reranker.close();
      await server.close();
    }
  });
});
