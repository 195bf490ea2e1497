/**
 * A score kind is claimed only where the provider documents it (api-dialects.md): a report that
 * says "probability" for BM25 scores of 2.2 misleads whoever merges or thresholds them. The kind is
 * settled once, when the reranker is created, so these read the settings without any request.
 */
import { describe, expect, it } from "vitest";
import { getDialect } from "../../src/rerank/dialects/index.js";
import { resolveSettings } from "../../src/rerank/prepare.js";
import type { RerankerConfig } from "../../src/rerank/types.js";

const KEYS = {
  REGOLO_API_KEY: "k",
  COHERE_API_KEY: "k",
  JINA_API_KEY: "k",
  VOYAGE_API_KEY: "k",
  PINECONE_API_KEY: "k",
};

function kind(provider: string, model: string, extra: Partial<RerankerConfig> = {}) {
  return resolveSettings({ provider, model, env: KEYS, ...extra }, getDialect(provider)).scoreKind;
}

describe("score kinds", () => {
  it("regolo documents probabilities for its Qwen3 reranker only; any other model's kind is unknown", () => {
    expect(kind("regolo", "Qwen3-Reranker-4B")).toBe("probability");
    expect(kind("regolo", "bm25")).toBe("unknown");
    expect(kind("regolo", "some-other-reranker")).toBe("unknown");
  });

  it("Jina and Voyage document no score range, so their scores are not claimed to be probabilities", () => {
    expect(kind("jina", "jina-reranker-v2-base-multilingual")).toBe("unknown");
    expect(kind("voyage", "rerank-2.5")).toBe("unknown");
    // Cohere and Pinecone document [0, 1] for their own services.
    expect(kind("cohere", "rerank-v3.5")).toBe("probability");
    expect(kind("pinecone", "bge-reranker-v2-m3")).toBe("probability");
  });

  it("an endpoint of the user's own speaking a provider's dialect is not that provider's service: unknown", () => {
    const own = { endpoint: "http://127.0.0.1:8080/v2/rerank" };
    expect(kind("cohere", "rerank-v3.5", own)).toBe("unknown");
    expect(kind("regolo", "Qwen3-Reranker-4B", { endpoint: "http://127.0.0.1:8080/rerank" })).toBe("unknown");
    // Self-hosted servers' dialects describe the server software's documented output.
    expect(kind("tei", "bge", { endpoint: "http://127.0.0.1:8080/rerank" })).toBe("probability");
    expect(kind("nvidia", "nv-rerank", { endpoint: "http://127.0.0.1:8000/v1/ranking" })).toBe("logit");
  });

  it("the scoreKind option says what the user knows, including 'relative' (scores that only order one call)", () => {
    expect(
      kind("cohere", "m", {
        endpoint: "http://127.0.0.1:1/v2/rerank",
        options: { scoreKind: "probability" },
      }),
    ).toBe("probability");
    expect(kind("regolo", "bm25", { options: { scoreKind: "relative" } })).toBe("relative");
  });
});
