/** The cache key: everything that decides the answer changes it; credentials and key order do not. */
import { describe, expect, it } from "vitest";
import { type AnswerIdentity, answerKey, keyEndpoint } from "../../src/rerank/cache/key.js";

const identity: AnswerIdentity = {
  provider: "cohere",
  endpoint: "https://api.example.com/v2/rerank",
  model: "rerank-v3.5",
  params: {
    options: { truncate: "END" },
    qwen3Instruction: null,
    maxDocsPerRequest: null,
    maxRequestBytes: null,
  },
};
const request = { query: "capital of France", documents: ["Paris is the capital.", "Lyon."], topN: 2 };
const base = answerKey(identity, request);

describe("answerKey", () => {
  it("is a versioned sha256 that holds none of its inputs", () => {
    expect(base).toMatch(/^rerank-eval:answer:v1:[0-9a-f]{64}$/);
    expect(answerKey(identity, { ...request })).toBe(base);
  });

  it("changes with the dialect, endpoint, model, query, each document, their order, top_n and every parameter", () => {
    const variants: [string, string][] = [
      ["provider", answerKey({ ...identity, provider: "cohere-v1" }, request)],
      ["endpoint", answerKey({ ...identity, endpoint: "https://eu.example.com/v2/rerank" }, request)],
      ["path", answerKey({ ...identity, endpoint: "https://api.example.com/v1/rerank" }, request)],
      ["model", answerKey({ ...identity, model: "rerank-v3.0" }, request)],
      ["query", answerKey(identity, { ...request, query: "capital of france" })],
      ["document", answerKey(identity, { ...request, documents: ["Paris is the capital.", "Lyon!"] })],
      ["order", answerKey(identity, { ...request, documents: ["Lyon.", "Paris is the capital."] })],
      ["fewer", answerKey(identity, { ...request, documents: ["Paris is the capital."] })],
      // Boundaries between documents are part of the identity, not just their concatenation.
      ["split", answerKey(identity, { ...request, documents: ["Paris is the capital.Lyon.", ""] })],
      ["topN", answerKey(identity, { ...request, topN: 1 })],
      ["no topN", answerKey(identity, { query: request.query, documents: request.documents })],
      [
        "option",
        answerKey({ ...identity, params: { ...identity.params, options: { truncate: "NONE" } } }, request),
      ],
      ["qwen3", answerKey({ ...identity, params: { ...identity.params, qwen3Instruction: true } }, request)],
      ["chunks", answerKey({ ...identity, params: { ...identity.params, maxDocsPerRequest: 1 } }, request)],
    ];
    const keys = new Set([base, ...variants.map(([, k]) => k)]);
    expect(keys.size).toBe(variants.length + 1);
  });

  it("is the same whatever credentials the endpoint carries and whatever the order of option keys", () => {
    for (const endpoint of [
      "https://user:sk-secret@api.example.com/v2/rerank",
      "https://api.example.com/v2/rerank?api_key=sk-secret",
      "https://api.example.com/v2/rerank#sk-secret",
    ])
      expect(answerKey({ ...identity, endpoint }, request)).toBe(base);
    const a = { ...identity, params: { options: { a: 1, b: { c: 2, d: 3 } } } };
    const b = { ...identity, params: { options: { b: { d: 3, c: 2 }, a: 1 } } };
    expect(answerKey(a, request)).toBe(answerKey(b, request));
  });

  it("keyEndpoint drops user info, query and fragment, also from a text that is no URL", () => {
    expect(keyEndpoint("http://u:p@127.0.0.1:8080/rerank?key=k#x")).toBe("http://127.0.0.1:8080/rerank");
    expect(keyEndpoint("embedded")).toBe("embedded");
    expect(keyEndpoint("//u:p@host/rerank?key=k")).toBe("//host/rerank");
  });
});
