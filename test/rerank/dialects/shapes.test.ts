/**
 * Answer shapes and options that need more than the table: regolo's seed answer with duplicate
 * documents, vLLM /score's unsorted data, TEI's bare array and 32-document cap, NIM logits, and
 * the provider options (Pinecone API version, truncation).
 */
import { describe, expect, it } from "vitest";
import { UsageError } from "../../../src/errors.js";
import { createReranker } from "../../../src/rerank/client.js";
import { getDialect } from "../../../src/rerank/dialects/index.js";
import type { RerankerConfig } from "../../../src/rerank/types.js";
import { useRecordingServer } from "./recording-server.js";

const fixture = useRecordingServer();

async function rerankOnce(config: Partial<RerankerConfig> & { path: string }, docs: string[], topN?: number) {
  fixture.server.requests.length = 0;
  const { path, ...rest } = config;
  const reranker = createReranker({
    model: "m",
    retries: 0,
    ...rest,
    endpoint: `${fixture.server.url}${path}`,
  });
  try {
    return await reranker.rerank("which one?", docs, topN === undefined ? {} : { topN });
  } finally {
    await reranker.close();
  }
}

/** A deterministic pointwise scorer: longer texts score higher, as a stand-in model. */
const scoreOf = (text: string) => text.length / 1000;

describe("regolo seed answer over HTTP", () => {
  it("recovers indices of duplicate documents in order and notes it", async () => {
    const docs = ["same text", "unique", "same text", "", "same text"];
    fixture.respond = (req) => {
      const sent = (req.body as { documents: string[] }).documents;
      // The seed shape: document + score, no index, best first.
      const order = [2, 0, 1, 3].map((i) => sent[i]);
      return {
        body: {
          model: "Qwen3-Reranker-4B",
          query: "which one?",
          results: order.map((d, r) => ({ document: d, score: [0.9, 0.8, 0.7, 0.6][r] })),
        },
      };
    };
    const result = await rerankOnce(
      { provider: "regolo", path: "/rerank", env: { REGOLO_API_KEY: "sk-x" } },
      docs,
    );
    // Sent documents (empty one filtered) are original 0,1,2,4; the answer ranks sent 2,0,1,3.
    expect((fixture.server.requests[0].body as { documents: string[] }).documents).toStrictEqual([
      "same text",
      "unique",
      "same text",
      "same text",
    ]);
    expect(result.items.map((i) => i.index)).toStrictEqual([0, 2, 1, 4]);
    expect(result.items.map((i) => i.score)).toStrictEqual([0.9, 0.8, 0.7, 0.6]);
    expect(result.notes).toContainEqual({ code: "index-recovered", detail: "index recovered by text match" });
    expect(result.model).toBe("Qwen3-Reranker-4B");
  });

  it("fails as malformed when an echoed document was never sent", async () => {
    fixture.respond = () => ({
      body: { model: "m", query: "q", results: [{ document: "not sent", score: 1 }] },
    });
    const error = await rerankOnce({ provider: "regolo", path: "/rerank", env: { REGOLO_API_KEY: "sk-x" } }, [
      "a",
      "b",
    ]).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "malformed", field: "results[0].document" });
  });
});

describe("vLLM /score", () => {
  it("re-sorts the unsorted answer and cuts to top_n client-side", async () => {
    const docs = ["a", "bbbb", "cc", "ddd"];
    fixture.respond = (req) => {
      const sent = (req.body as { documents: string[] }).documents;
      return {
        body: {
          id: "score-1",
          object: "list",
          data: sent.map((d, index) => ({ index, object: "score", score: scoreOf(d) })),
        },
      };
    };
    const result = await rerankOnce({ provider: "vllm-score", path: "/score" }, docs, 2);
    expect(Object.keys(fixture.server.requests[0].body as object).sort()).toStrictEqual([
      "documents",
      "model",
      "queries",
    ]);
    expect(result.items).toStrictEqual([
      { index: 1, score: 0.004 },
      { index: 3, score: 0.003 },
    ]);
    expect(result.notes.map((n) => n.code)).toContain("unsorted");
  });
  it("speaks the legacy text_1/text_2 form to older builds when asked", async () => {
    fixture.respond = () => ({ body: { data: [{ index: 0, object: "score", score: 0.2 }] } });
    await rerankOnce({ provider: "vllm-score", path: "/score", options: { legacyScoreFields: true } }, ["a"]);
    expect(fixture.server.requests[0].body).toStrictEqual({
      model: "m",
      text_1: "which one?",
      text_2: ["a"],
    });
  });
});

describe("TEI", () => {
  it("reads the bare array and splits 70 documents into requests of at most 32", async () => {
    const docs = Array.from({ length: 70 }, (_, i) => `passage ${"x".repeat(i)}`);
    fixture.respond = (req) => {
      const { texts } = req.body as { texts: string[] };
      const ranked = texts
        .map((t, index) => ({ index, score: scoreOf(t) }))
        .sort((a, b) => b.score - a.score);
      return { body: ranked };
    };
    const result = await rerankOnce({ provider: "tei", path: "/rerank" }, docs, 5);
    const sizes = fixture.server.requests.map((r) => (r.body as { texts: string[] }).texts.length);
    expect(sizes.every((n) => n <= 32)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(70);
    for (const r of fixture.server.requests)
      expect(Object.keys(r.body as object).sort()).toStrictEqual(["query", "raw_scores", "texts"]);
    expect(result.items.map((i) => i.index)).toStrictEqual([69, 68, 67, 66, 65]);
    expect(result.items[0].score).toBeCloseTo(scoreOf(docs[69]), 12);
    expect(result.requests).toBe(sizes.length);
  });

  it("sends truncate only when the option is set", async () => {
    fixture.respond = () => ({ body: [{ index: 0, score: 0.5 }] });
    await rerankOnce({ provider: "tei", path: "/rerank", options: { truncate: false } }, ["a"]);
    expect(fixture.server.requests[0].body).toStrictEqual({
      query: "which one?",
      texts: ["a"],
      raw_scores: false,
      truncate: false,
    });
  });
});

describe("NVIDIA NIM", () => {
  it("keeps raw logits, tags them, and cuts client-side", async () => {
    fixture.respond = () => ({
      body: {
        rankings: [
          { index: 1, logit: 0.3 },
          { index: 0, logit: -1.24 },
          { index: 2, logit: -8.24 },
        ],
      },
    });
    const result = await rerankOnce(
      {
        provider: "nvidia",
        path: "/v1/ranking",
        env: { NVIDIA_API_KEY: "nvapi-x" },
        options: { truncate: "END" },
      },
      ["a", "b", "c"],
      2,
    );
    expect(fixture.server.requests[0].body).toStrictEqual({
      model: "m",
      query: { text: "which one?" },
      passages: [{ text: "a" }, { text: "b" }, { text: "c" }],
      truncate: "END",
    });
    expect(result.scoreKind).toBe("logit");
    expect(result.items).toStrictEqual([
      { index: 1, score: 0.3 },
      { index: 0, score: -1.24 },
    ]);
  });

  it("has no public endpoint: the user must give one", () => {
    expect(() =>
      createReranker({ provider: "nvidia", model: "m", env: { NVIDIA_API_KEY: "k" } }),
    ).toThrowError(UsageError);
  });
});

describe("provider options", () => {
  it("Pinecone takes another API version and a truncate parameter", async () => {
    fixture.respond = () => ({
      body: { model: "m", data: [{ index: 0, score: 0.9 }], usage: { rerank_units: 1 } },
    });
    await rerankOnce(
      {
        provider: "pinecone",
        path: "/rerank",
        env: { PINECONE_API_KEY: "pk" },
        options: { pineconeApiVersion: "2025-04", truncate: "NONE" },
      },
      ["a"],
    );
    const [req] = fixture.server.requests;
    expect(req.headers["x-pinecone-api-version"]).toBe("2025-04");
    expect(req.headers["api-key"]).toBe("pk");
    expect(req.body).toStrictEqual({
      model: "m",
      query: "which one?",
      documents: [{ text: "a" }],
      return_documents: false,
      parameters: { truncate: "NONE" },
    });
  });

  it("Voyage sends truncation only when chosen", async () => {
    fixture.respond = () => ({
      body: { object: "list", data: [{ index: 0, relevance_score: 0.5 }], model: "rerank-2.5" },
    });
    await rerankOnce(
      {
        provider: "voyage",
        path: "/v1/rerank",
        env: { VOYAGE_API_KEY: "vk" },
        options: { truncation: false },
      },
      ["a"],
      1,
    );
    expect(fixture.server.requests[0].body).toStrictEqual({
      model: "m",
      query: "which one?",
      documents: ["a"],
      top_k: 1,
      return_documents: false,
      truncation: false,
    });
  });
});

describe("TEI usage header", () => {
  it("reads x-compute-tokens as total tokens, and nothing from a missing or garbled header", () => {
    const read = getDialect("tei").usageFromHeaders;
    expect(read?.({ "x-compute-tokens": "42" })).toEqual({ totalTokens: 42 });
    expect(read?.({ "x-compute-tokens": ["7", "8"] })).toEqual({ totalTokens: 7 });
    expect(read?.({})).toBeUndefined();
    expect(read?.({ "x-compute-tokens": "lots" })).toBeUndefined();
    expect(read?.({ "x-compute-tokens": "-3" })).toBeUndefined();
  });
});
