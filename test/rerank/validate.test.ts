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

describe("a malformed answer is retried only where asking again can help", () => {
  /** Complete answers, served verbatim with their own Content-Length: the same every time. */
  const BROKEN: Record<string, string> = {
    nullBody: "null",
    bareArray: '[{"index":0,"relevance_score":0.9}]',
    resultsObject: '{"results":{"0":0.9}}',
    nullItem: '{"results":[null]}',
    noIndexNoText: '{"results":[{"relevance_score":0.9}]}',
    pythonNaN: '{"results":[{"index":0,"relevance_score":NaN}]}',
    empty: "",
    cutJson: '{"results":[{"index":0,',
    stringBody: '"ok"',
  };
  let server: LocalServer;
  let reranker: Reranker;
  /** Per query: how many requests asked it, and whether the next one should get a good answer. */
  const asked = new Map<string, number>();
  beforeAll(async () => {
    server = await startLocalServer((req, res) => {
      const query = req.body.query ?? "";
      const n = (asked.get(query) ?? 0) + 1;
      asked.set(query, n);
      const good = () => json(res, 200, { results: [{ index: 0, relevance_score: 0.5 }] });
      if (query === "gateway") {
        // A proxy's HTML 502 is the proxy's trouble, not the answer's: the retry gets through.
        if (n > 1) return good();
        res.writeHead(502, { "content-type": "text/html" });
        res.end("<html><body>502 Bad Gateway</body></html>");
        return;
      }
      if (query === "cutOff") {
        // The connection drops mid-answer: the body is short of its Content-Length. Asking again helps.
        if (n > 1) return good();
        res.writeHead(200, { "content-type": "application/json", "content-length": "200" });
        res.write('{"results":[{"index":0,');
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(BROKEN[query]);
    });
    reranker = createReranker(regoloConfig(server.url, { retries: 3 }));
  });
  afterAll(async () => {
    await reranker.close();
    await server.close();
  });

  it("a 200 that is not JSON, the wrong shape or the wrong types: one request, a malformed failure", async () => {
    for (const query of Object.keys(BROKEN)) {
      const err = await reranker.rerank(query, ["a", "b"]).catch((e: unknown) => e);
      expect(err, query).toBeInstanceOf(ApiError);
      expect(err, query).toMatchObject({ kind: "malformed", retryable: false, attempts: 1 });
      expect((err as Error).message, query).toMatch(
        /^regolo answer malformed: field '[^']+': .+ \(after 1 attempt\)$/,
      );
      expect(asked.get(query), query).toBe(1);
    }
  });

  it("a gateway's HTML 502 and an answer cut off by a dropped connection are retried, and then succeed", async () => {
    for (const query of ["gateway", "cutOff"]) {
      const result = await reranker.rerank(query, ["a", "b"]);
      expect(result.attempts, query).toBe(2);
      expect(result.items, query).toEqual([{ index: 0, score: 0.5 }]);
      expect(asked.get(query), query).toBe(2);
    }
  });
});

describe("the 'not sorted' note", () => {
  /** Serves `results` verbatim (regolo's shape) and returns the notes of the call. */
  async function notesFor(results: { index: number; relevance_score: number }[]) {
    const server = await startLocalServer((_req, res) => json(res, 200, { results }));
    const reranker = createReranker(regoloConfig(server.url));
    try {
      const answer = await reranker.rerank("q", ["a", "b", "c"]);
      return { codes: answer.notes.map((n) => n.code), items: answer.items };
    } finally {
      await reranker.close();
      await server.close();
    }
  }

  it("is not given to a tied answer, in index order or not; ties are ordered by index", async () => {
    // Equal scores are sorted, descending or not: a `>=` in the check would call them unsorted.
    const tied = await notesFor([
      { index: 0, relevance_score: 0.5 },
      { index: 1, relevance_score: 0.5 },
      { index: 2, relevance_score: 0.5 },
    ]);
    expect(tied.codes).not.toContain("unsorted");
    const tiedOutOfIndexOrder = await notesFor([
      { index: 2, relevance_score: 0.7 },
      { index: 1, relevance_score: 0.5 },
      { index: 0, relevance_score: 0.5 },
    ]);
    expect(tiedOutOfIndexOrder.codes).not.toContain("unsorted");
    expect(tiedOutOfIndexOrder.items.map((i) => i.index)).toEqual([2, 0, 1]);
  });

  it("is given to an answer whose scores rise anywhere", async () => {
    const rising = await notesFor([
      { index: 0, relevance_score: 0.5 },
      { index: 1, relevance_score: 0.5 },
      { index: 2, relevance_score: 0.6 },
    ]);
    expect(rising.codes).toContain("unsorted");
    expect(rising.items.map((i) => i.index)).toEqual([2, 0, 1]);
  });
});
