import { inspect } from "node:util";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError, UsageError } from "../../src/errors.js";
import { createReranker } from "../../src/rerank/client.js";
import { DEFAULT_QWEN3_INSTRUCTION } from "../../src/rerank/qwen3.js";
import type { Reranker } from "../../src/rerank/types.js";
import {
  CANARY_KEY,
  json,
  type LocalServer,
  regoloAnswer,
  regoloConfig,
  startLocalServer,
} from "./local-server.js";

/** Known scoring function: a hash of the text, so answers can be checked against the truth. */
function scoreOf(text: string): number {
  let h = 7;
  for (const ch of text) h = (h * 31 + ch.charCodeAt(0)) % 10_007;
  return h / 10_007;
}

describe("rerank client over a local regolo-shaped server", () => {
  let server: LocalServer;
  let reranker: Reranker;
  beforeAll(async () => {
    server = await startLocalServer((req, res) => {
      if (req.body.query === "echo-auth") {
        // A hostile or careless server that repeats the request headers in its error body.
        return json(res, 401, {
          error: { message: `invalid key: ${req.headers.authorization}` },
          headers: req.headers,
        });
      }
      if (req.body.query === "old-shape") {
        const docs = req.body.documents ?? [];
        return json(res, 200, {
          model: "m",
          query: req.body.query,
          results: docs.map((d, i) => ({ document: d, score: 1 - i / 10 })),
        });
      }
      json(res, 200, regoloAnswer(req, scoreOf));
    });
    reranker = createReranker(regoloConfig(server.url));
  });
  afterAll(async () => {
    await reranker.close();
    await server.close();
  });

  it("maps indices back past filtered empty documents (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.constantFrom("", " ", "\t\n"), fc.string({ minLength: 1, maxLength: 12 })), {
          maxLength: 25,
        }),
        fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
        async (documents, topN) => {
          const before = server.requests.length;
          const result = await reranker.rerank("query", documents, { topN });
          const nonEmpty = documents.map((d, i) => ({ d, i })).filter(({ d }) => d.trim() !== "");
          const expected = nonEmpty
            .map(({ d, i }) => ({ index: i, score: scoreOf(d) }))
            .sort((a, b) => b.score - a.score || a.index - b.index)
            .slice(0, topN ?? nonEmpty.length);
          expect(result.items).toEqual(expected);
          const sent = server.requests.slice(before);
          if (nonEmpty.length === 0) {
            expect(sent).toHaveLength(0);
            expect(result.attempts).toBe(0);
          } else {
            expect(sent[0].body.documents).toEqual(nonEmpty.map(({ d }) => d));
          }
          const skipped = documents.length - nonEmpty.length;
          expect(result.notes.some((n) => n.code === "empty-skipped")).toBe(skipped > 0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("reuses keep-alive connections for successive calls", async () => {
    const before = server.requests.length;
    for (let i = 0; i < 10; i++) await reranker.rerank("q", ["a", "b"]);
    const ports = new Set(server.requests.slice(before).map((r) => r.remotePort));
    // undici may open a second socket when a call starts before the last one's drain event.
    expect(ports.size).toBeLessThanOrEqual(2);
  });

  it("shares one pool per origin: two rerankers reuse the same connection; closing one spares the other", async () => {
    // A server of its own, so no connection of another test is already in the pool.
    const own = await startLocalServer((req, res) => json(res, 200, regoloAnswer(req)));
    const a = createReranker(regoloConfig(own.url, { model: "a" }));
    const b = createReranker(regoloConfig(own.url, { model: "b" }));
    try {
      for (let i = 0; i < 6; i++) {
        await (i % 2 ? b : a).rerank("q", ["x", "y"]);
        await new Promise((r) => setTimeout(r, 10)); // let the socket go back to the pool first
      }
      expect(own.requests.map((r) => r.body.model)).toEqual(["a", "b", "a", "b", "a", "b"]);
      expect(new Set(own.requests.map((r) => r.remotePort)).size).toBe(1);
      await a.close();
      await a.close(); // idempotent: must not release b's share
      expect((await b.rerank("q", ["x"])).items).toHaveLength(1);
    } finally {
      await a.close();
      await b.close();
      await own.close();
    }
  });

  it("makes no call for an empty list", async () => {
    const before = server.requests.length;
    const result = await reranker.rerank("q", []);
    expect(result).toMatchObject({ items: [], attempts: 0, requests: 0, attemptLatenciesMs: [] });
    expect(server.requests.length).toBe(before);
  });

  it("clamps top_n to the document count, omits it when unset, and rejects nonsense", async () => {
    const clamped = await reranker.rerank("q", ["a", "b", "c"], { topN: 50 });
    expect(server.requests.at(-1)?.body.top_n).toBe(3);
    expect(clamped.notes).toEqual([{ code: "clamped", detail: "top_n clamped 50->3" }]);
    await reranker.rerank("q", ["a", "b"]);
    expect(server.requests.at(-1)?.body).not.toHaveProperty("top_n");
    await expect(reranker.rerank("q", ["a"], { topN: 0 })).rejects.toBeInstanceOf(UsageError);
    await expect(reranker.rerank("q", ["a"], { topN: 1.5 })).rejects.toBeInstanceOf(UsageError);
  });

  it("sends the key as a bearer header and the documented body fields only", async () => {
    await reranker.rerank("q", ["a"], { topN: 1 });
    const last = server.requests.at(-1);
    expect(last?.headers.authorization).toBe(`Bearer ${CANARY_KEY}`);
    expect(last?.url).toBe("/rerank");
    expect(Object.keys(last?.body ?? {}).sort()).toEqual(["documents", "model", "query", "top_n"]);
  });

  it("recovers indices of the old regolo answer by text, duplicates in order", async () => {
    const result = await reranker.rerank("old-shape", ["x", "", "y", "x"]);
    // Server scores by sent position: x(0)=1, y(1)=0.9, x(2)=0.8 → original indices 0, 2, 3.
    expect(result.items).toEqual([
      { index: 0, score: 1 },
      { index: 2, score: 0.9 },
      { index: 3, score: 0.8 },
    ]);
    expect(result.notes).toContainEqual({ code: "index-recovered", detail: "index recovered by text match" });
  });

  it("formats Qwen3 instructions when asked, filtering empties first", async () => {
    const qwen = createReranker(regoloConfig(server.url, { qwen3Instruction: true }));
    const custom = createReranker(regoloConfig(server.url, { qwen3Instruction: "Find the capital" }));
    try {
      const result = await qwen.rerank("capital?", ["Rome", " "]);
      const body = server.requests.at(-1)?.body;
      expect(body?.query).toBe(`<Instruct>: ${DEFAULT_QWEN3_INSTRUCTION}\n<Query>: capital?`);
      expect(body?.documents).toEqual(["<Document>: Rome"]);
      expect(result.items.map((i) => i.index)).toEqual([0]);
      await custom.rerank("q", ["d"]);
      expect(server.requests.at(-1)?.body.query).toBe("<Instruct>: Find the capital\n<Query>: q");
    } finally {
      await qwen.close();
      await custom.close();
    }
  });

  it("never lets the key out: not in the client, not in errors, even when the server echoes it", async () => {
    const err = await reranker.rerank("echo-auth", ["a"]).then(
      () => undefined,
      (e: unknown) => e as ApiError,
    );
    expect(err).toBeInstanceOf(ApiError);
    expect(err?.status).toBe(401);
    expect(err?.message).toContain("invalid key: Bearer [REDACTED]");
    for (const text of [
      err?.message,
      err?.stack,
      JSON.stringify(err),
      inspect(err, { depth: 10, showHidden: true }),
    ]) {
      expect(text).not.toContain(CANARY_KEY);
    }
    for (const text of [JSON.stringify(reranker), inspect(reranker, { depth: 10, showHidden: true })]) {
      expect(text).not.toContain(CANARY_KEY);
    }
  });
});

describe("configuration", () => {
  it("names the missing key variable, never a value", () => {
    const attempt = () =>
      createReranker({ provider: "cohere", model: "rerank-v3.5", env: { OTHER: CANARY_KEY } });
    expect(attempt).toThrowError(UsageError);
    expect(attempt).toThrowError(/COHERE_API_KEY/);
    const named = () => createReranker({ model: "m", apiKeyEnv: "MY_KEY", env: {} });
    expect(named).toThrowError(/set the environment variable MY_KEY$/);
  });

  it("a keyed provider pointed at the user's own server sends its key when set and none when unset", async () => {
    const server = await startLocalServer((req, res) => json(res, 200, regoloAnswer(req)));
    const keyless = createReranker({ endpoint: server.url, model: "m", env: {} });
    const keyed = createReranker({ endpoint: server.url, model: "m", env: { REGOLO_API_KEY: CANARY_KEY } });
    try {
      await keyless.rerank("q", ["a", "b"]);
      await keyed.rerank("q", ["a", "b"]);
      expect(server.requests.map((r) => r.headers.authorization)).toEqual([
        undefined,
        `Bearer ${CANARY_KEY}`,
      ]);
    } finally {
      await keyless.close();
      await keyed.close();
      await server.close();
    }
    // The provider's own origin, under any path, and a variable the user named still need the key.
    const regoloPath = () =>
      createReranker({ endpoint: "https://api.regolo.ai/v1/rerank", model: "m", env: {} });
    expect(regoloPath).toThrowError(/REGOLO_API_KEY/);
    const named = () => createReranker({ endpoint: server.url, model: "m", apiKeyEnv: "MY_KEY", env: {} });
    expect(named).toThrowError(/MY_KEY/);
  });

  it("needs no key for self-hosted dialects, and rejects unknown providers and bad endpoints", async () => {
    const server = await startLocalServer((req, res) =>
      json(res, 200, {
        ...regoloAnswer(req),
        id: "score-1",
        model: "m",
        usage: { prompt_tokens: 3, total_tokens: 3 },
      }),
    );
    const vllm = createReranker({ provider: "vllm", endpoint: server.url, model: "m", env: {} });
    try {
      const result = await vllm.rerank("q", ["a", "b"]);
      expect(server.requests[0].headers.authorization).toBeUndefined();
      expect(result.usage).toEqual({ promptTokens: 3, totalTokens: 3 });
      expect(result.providerId).toBe("score-1");
    } finally {
      await vllm.close();
      await server.close();
    }
    expect(() => createReranker({ provider: "nope", model: "m" })).toThrowError(/unknown provider 'nope'/);
    expect(() => createReranker({ provider: "tei", model: "m" })).toThrowError(/--endpoint/);
    expect(() =>
      createReranker({ provider: "tei", model: "m", endpoint: "http://u:p@127.0.0.1/" }),
    ).toThrowError(/must not carry credentials/);
    const tei = (extra: Record<string, unknown>) => () =>
      createReranker({ provider: "tei", model: "m", endpoint: "http://127.0.0.1/", ...extra });
    expect(tei({ retries: -1 })).toThrowError(/^retries must be an integer >= 0, got -1$/);
    // A fractional cap would slice documents at fractional offsets and lose their indices.
    expect(tei({ maxDocsPerRequest: 1.5 })).toThrowError(
      /^maxDocsPerRequest must be an integer >= 1, got 1.5$/,
    );
    expect(tei({ maxRequestBytes: 0 })).toThrowError(/^maxRequestBytes must be an integer >= 1, got 0$/);
    expect(tei({ headersTimeoutMs: Number.NaN })).toThrowError(/^headersTimeoutMs must be a number >= 1/);
    expect(tei({ baseBackoffMs: -5 })).toThrowError(/^baseBackoffMs must be a number >= 0, got -5$/);
    // A typo must not silently fall back to the dialect's score kind.
    expect(tei({ options: { scoreKind: "logits" } })).toThrowError(
      /^option scoreKind must be one of probability, logit, relative, unknown, got "logits"$/,
    );
  });

  it("sends Pinecone's Api-Key header instead of a bearer token", async () => {
    const server = await startLocalServer((req, res) =>
      json(res, 200, {
        model: "m",
        data: (req.body.documents ?? []).map((_d, index) => ({ index, score: 0.5 - index / 10 })),
        usage: { rerank_units: 1 },
      }),
    );
    const pinecone = createReranker({
      provider: "pinecone",
      endpoint: server.url,
      model: "bge-reranker-v2-m3",
      env: { PINECONE_API_KEY: CANARY_KEY },
    });
    try {
      const result = await pinecone.rerank("q", ["a", "b"]);
      expect(server.requests[0].headers["api-key"]).toBe(CANARY_KEY);
      expect(server.requests[0].headers.authorization).toBeUndefined();
      expect(result.usage).toEqual({ rerankUnits: 1 });
    } finally {
      await pinecone.close();
      await server.close();
    }
  });

  it("re-sorts an unsorted answer (vLLM /score) with ties by index, and says so", async () => {
    const server = await startLocalServer((_req, res) =>
      json(res, 200, {
        data: [
          { index: 0, score: 0.2 },
          { index: 1, score: 0.7 },
          { index: 2, score: 0.7 },
        ],
      }),
    );
    const vllm = createReranker({ provider: "vllm-score", endpoint: server.url, model: "m", env: {} });
    try {
      const result = await vllm.rerank("q", ["a", "b", "c"], { topN: 2 });
      expect(result.items).toEqual([
        { index: 1, score: 0.7 },
        { index: 2, score: 0.7 },
      ]);
      expect(result.notes).toContainEqual({
        code: "unsorted",
        detail: "answer was not sorted by score; re-sorted client-side",
      });
    } finally {
      await vllm.close();
      await server.close();
    }
  });

  it("stops waiting when the caller aborts", async () => {
    const server = await startLocalServer(() => {});
    const client = createReranker(regoloConfig(server.url));
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const err = await client.rerank("q", ["a"], { signal: controller.signal }).catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: "aborted", retryable: false });
    } finally {
      await client.close();
      await server.close();
    }
  });
});

describe("a prepared call", () => {
  let server: LocalServer;
  let reranker: Reranker;
  beforeAll(async () => {
    server = await startLocalServer((req, res) => {
      const answer = regoloAnswer(req, scoreOf);
      // "partial": fewer items than documents and no top_n, which merge notes on every answer.
      if (req.body.query === "partial") answer.results = answer.results.slice(0, 1);
      json(res, 200, answer);
    });
    reranker = createReranker(regoloConfig(server.url));
  });
  afterAll(async () => {
    await reranker.close();
    await server.close();
  });

  it("sends the same request as rerank() every time, and its notes do not pile up", async () => {
    const documents = ["alpha", "", "gamma", "delta"];
    const call = reranker.prepare("q", documents, 9);
    documents[0] = "changed after prepare"; // the call keeps what it was given
    const direct = await reranker.rerank("q", ["alpha", "", "gamma", "delta"], { topN: 9 });
    const first = await reranker.send(call);
    const second = await reranker.send(call);
    for (const r of [first, second]) {
      expect(r.items).toEqual(direct.items);
      expect(r.notes).toEqual(direct.notes);
    }
    expect(direct.notes.map((n) => n.code)).toEqual(["empty-skipped", "clamped"]);
    const bodies = server.requests.slice(-3).map((r) => JSON.stringify(r.body));
    expect(new Set(bodies).size).toBe(1);
    const partial = reranker.prepare("partial", ["a", "b"]);
    const once = await reranker.send(partial);
    const twice = await reranker.send(partial);
    expect(once.notes.map((n) => n.code)).toEqual(["partial-answer"]);
    expect(twice.notes).toEqual(once.notes);
  });

  it("refuses a call another reranker prepared, and bad input at prepare", async () => {
    const other = createReranker(regoloConfig(server.url));
    try {
      await expect(other.send(reranker.prepare("q", ["a"]))).rejects.toThrow(UsageError);
    } finally {
      await other.close();
    }
    expect(() => reranker.prepare(" ", ["a"])).toThrow(UsageError);
    expect(() => reranker.prepare("q", ["a"], 0)).toThrow(/top_n must be a positive integer/);
  });
});
