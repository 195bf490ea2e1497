import { CohereClientV2, CohereError } from "cohere-ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KNOWN_ANSWER } from "../../src/rerank/known-answer.js";
import { type RunningServer, startServer } from "../../src/server/index.js";

// The official SDK is the referee for our Cohere v2 route: if its own parser accepts our answers and
// its error handling recognises our errors, the route speaks Cohere v2.
let server: RunningServer;
const seen: string[] = [];

beforeAll(async () => {
  server = await startServer({ log: (l) => seen.push(l) });
});
afterAll(() => server.close());

describe("cohere-ai CohereClientV2 against /v2/rerank", () => {
  // `environment` is the origin: the SDK joins it with "v2/rerank" itself.
  const client = () => new CohereClientV2({ token: "x", environment: server.url });

  it("reranks with bm25 and top_n 2", async () => {
    const res = await client().rerank({
      model: "bm25",
      query: KNOWN_ANSWER.query,
      documents: [...KNOWN_ANSWER.documents],
      topN: 2,
    });
    expect(res.results.map((r) => r.index)).toEqual([2, 3]);
    expect(res.results[0].relevanceScore).toBeGreaterThan(res.results[1].relevanceScore);
    expect(res.meta?.billedUnits?.searchUnits).toBe(1);
    expect(res.meta?.apiVersion?.version).toBe("2");
    expect(typeof res.id).toBe("string");
    expect(seen.some((l) => l.includes("POST /v2/rerank 200"))).toBe(true);
  });

  it("surfaces our 404 for an unknown model as a CohereError with our message", async () => {
    const err = await client()
      .rerank({ model: "rerank-v3.5", query: "q", documents: ["a"] }, { maxRetries: 0 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CohereError);
    expect((err as CohereError).statusCode).toBe(404);
    expect(JSON.stringify((err as CohereError).body)).toContain("model 'rerank-v3.5' not found");
  });
});
