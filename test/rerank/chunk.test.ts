import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { ApiError } from "../../src/errors.js";
import { documentBytes, planChunks } from "../../src/rerank/chunk.js";
import { createReranker } from "../../src/rerank/client.js";
import type { Reranker } from "../../src/rerank/types.js";
import { json, type LocalServer, regoloAnswer, regoloConfig, startLocalServer } from "./local-server.js";

/** A known scoring function of the text, so a merged ranking can be checked against the truth. */
const scoreOf = (doc: string) => (Number(doc.replace(/\D/g, "")) * 37) % 101;
const docsOf = (n: number) => Array.from({ length: n }, (_, i) => `document ${i}`);
const expectedTop = (docs: string[], k: number) =>
  docs
    .map((d, index) => ({ index, score: scoreOf(d) }))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, k);

describe("planChunks", () => {
  it("covers the documents with contiguous ranges within both caps", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 60 }), { maxLength: 80 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 50, max: 800 }),
        (docs, maxDocs, maxBytes) => {
          const ranges = planChunks(docs, { maxDocs, maxBytes, fixedBytes: 20 });
          let next = 0;
          for (const { start, end } of ranges) {
            expect(start).toBe(next);
            expect(end - start).toBeGreaterThanOrEqual(1);
            expect(end - start).toBeLessThanOrEqual(maxDocs);
            const bytes = docs.slice(start, end).reduce((s, d) => s + documentBytes(d), 0);
            // A lone document may exceed the budget (planCall refuses it); nothing is truncated.
            if (end - start > 1) expect(bytes).toBeLessThanOrEqual(maxBytes - 20);
            next = end;
          }
          expect(next).toBe(docs.length);
        },
      ),
    );
  });
});

describe("chunked rerank calls", () => {
  let server: LocalServer | undefined;
  let reranker: Reranker | undefined;
  afterEach(async () => {
    await reranker?.close();
    await server?.close();
    reranker = server = undefined;
  });

  it("splits 2.5×N documents for a server that rejects more than N, merges by score and cuts to top_n", async () => {
    const N = 10;
    server = await startLocalServer((req, res) => {
      const docs = req.body.documents ?? [];
      if (docs.length > N) return json(res, 400, { error: { message: `at most ${N} documents` } });
      json(res, 200, regoloAnswer(req, scoreOf));
    });
    reranker = createReranker(regoloConfig(server.url, { maxDocsPerRequest: N }));
    const docs = docsOf(25);
    const result = await reranker.rerank("q", docs, { topN: 7 });
    expect(server.requests.map((r) => r.body.documents?.length)).toEqual([10, 10, 5]);
    // Each chunk is asked only for its own top 7: the global top 7 of pointwise scores lies in their union.
    expect(server.requests.map((r) => r.body.top_n)).toEqual([7, 7, 5]);
    expect(result.items).toEqual(expectedTop(docs, 7));
    expect(result.requests).toBe(3);
    expect(result.attempts).toBe(3);
    expect(result.notes).toContainEqual({
      code: "chunked",
      detail: "candidates split over 3 requests (per-request cap 10 documents); merged by score",
    });
  });

  it("any split gives the ranking one unsplit call would (property, with empty documents mixed in)", async () => {
    server = await startLocalServer((req, res) => json(res, 200, regoloAnswer(req, scoreOf)));
    const url = server.url;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.nat(500).map((n) => `document ${n}`),
            fc.constantFrom("", "  "),
          ),
          {
            maxLength: 40,
          },
        ),
        fc.integer({ min: 1, max: 12 }),
        fc.option(fc.integer({ min: 1, max: 45 }), { nil: undefined }),
        async (docs, maxDocsPerRequest, topN) => {
          const client = createReranker(regoloConfig(url, { maxDocsPerRequest }));
          const before = server?.requests.length ?? 0;
          try {
            const result = await client.rerank("q", docs, { topN });
            const kept = docs.map((d, index) => ({ d, index })).filter(({ d }) => d.trim() !== "");
            const expected = kept
              .map(({ d, index }) => ({ index, score: scoreOf(d) }))
              .sort((a, b) => b.score - a.score || a.index - b.index)
              .slice(0, topN ?? kept.length);
            expect(result.items).toEqual(expected);
            const sent = (server?.requests ?? []).slice(before);
            expect(sent).toHaveLength(Math.ceil(kept.length / maxDocsPerRequest));
            expect(result.requests).toBe(sent.length);
            for (const r of sent) expect(r.body.documents?.length).toBeLessThanOrEqual(maxDocsPerRequest);
            // Every kept document sent exactly once (chunks are in flight together: arrival order varies).
            expect(sent.flatMap((r) => r.body.documents).sort()).toEqual(kept.map(({ d }) => d).sort());
          } finally {
            await client.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("uses the dialect's own cap (TEI: 32 texts, no top_n) and cuts client-side", async () => {
    server = await startLocalServer((req, res) => {
      const texts = (req.body.texts as string[]) ?? [];
      if (texts.length > 32)
        return json(res, 422, {
          error: "batch size 80 > maximum allowed batch size 32",
          error_type: "validation",
        });
      json(
        res,
        200,
        texts.map((t, index) => ({ index, score: scoreOf(t) })).sort((a, b) => b.score - a.score),
        { "x-compute-tokens": String(texts.length * 10) },
      );
    });
    reranker = createReranker({ provider: "tei", endpoint: server.url, model: "bge", env: {} });
    const docs = docsOf(80);
    const result = await reranker.rerank("q", docs, { topN: 10 });
    expect(server.requests.map((r) => (r.body.texts as string[]).length)).toEqual([32, 32, 16]);
    expect(server.requests.every((r) => !("top_n" in r.body))).toBe(true);
    expect(result.items).toEqual(expectedTop(docs, 10));
    expect(result.notes).toContainEqual({
      code: "top-n-client-side",
      detail: "top_n 10 applied client-side (tei has no top_n)",
    });
    // TEI reports tokens in a header per request; the call's usage is their sum.
    expect(result.usage).toEqual({ totalTokens: 800 });
  });

  it("splits by request bytes and keeps every request under the cap", async () => {
    server = await startLocalServer((req, res) => json(res, 200, regoloAnswer(req, scoreOf)));
    const maxRequestBytes = 1000;
    reranker = createReranker(regoloConfig(server.url, { maxRequestBytes }));
    const docs = docsOf(40).map((d) => `${d} ${"x".repeat(60)}`);
    const result = await reranker.rerank("q", docs);
    expect(server.requests.length).toBeGreaterThan(2);
    for (const r of server.requests)
      expect(Number(r.headers["content-length"])).toBeLessThanOrEqual(maxRequestBytes);
    expect(result.items).toEqual(expectedTop(docs, 40));
  });

  it("warns when merging answers of a listwise dialect", async () => {
    server = await startLocalServer((req, res) =>
      json(res, 200, { model: "m", usage: { total_tokens: 5 }, ...regoloAnswer(req, scoreOf) }),
    );
    reranker = createReranker({
      provider: "jina",
      endpoint: server.url,
      model: "jina-reranker-v3",
      env: { JINA_API_KEY: "sk-test-key" },
      maxDocsPerRequest: 4,
    });
    const result = await reranker.rerank("q", docsOf(9));
    expect(result.requests).toBe(3);
    expect(result.usage).toEqual({ totalTokens: 15 });
    expect(result.notes.filter((n) => n.code === "merge-warning")).toEqual([
      {
        code: "merge-warning",
        detail:
          "warning: jina scores documents listwise; scores from separate requests may not be comparable",
      },
    ]);
  });

  it("keeps at most 4 chunks of one call in flight, and up to 4 together (one limiter only past 4)", async () => {
    let open = 0;
    let peak = 0;
    server = await startLocalServer(async (req, res) => {
      peak = Math.max(peak, ++open);
      await new Promise((r) => setTimeout(r, 30));
      open--;
      json(res, 200, regoloAnswer(req, scoreOf));
    });
    reranker = createReranker(regoloConfig(server.url, { maxDocsPerRequest: 1 }));
    const docs = docsOf(10);
    const many = await reranker.rerank("q", docs);
    expect(many.requests).toBe(10);
    expect(many.items).toEqual(expectedTop(docs, 10));
    expect(peak).toBe(4);
    peak = 0;
    const few = await reranker.rerank("q", docsOf(3));
    expect(few.items).toEqual(expectedTop(docsOf(3), 3));
    expect(peak).toBe(3);
  });

  it("fails the whole call when one chunk is rejected, with that chunk's status and message", async () => {
    server = await startLocalServer((req, res) =>
      (req.body.documents ?? []).includes("document 12")
        ? json(res, 400, { error: { message: "document 12 is cursed" } })
        : json(res, 200, regoloAnswer(req, scoreOf)),
    );
    reranker = createReranker(regoloConfig(server.url, { maxDocsPerRequest: 10 }));
    const err = await reranker.rerank("q", docsOf(30)).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "http", status: 400, attempts: 1 });
    expect((err as Error).message).toBe("regolo 400 document 12 is cursed (after 1 attempt)");
  });
});

describe("a document alone over the request byte cap", () => {
  it("fails the call before sending anything, naming the caller's index and the size; never split or truncated", async () => {
    const server = await startLocalServer((req, res) => json(res, 200, regoloAnswer(req, scoreOf)));
    const reranker = createReranker(regoloConfig(server.url, { maxRequestBytes: 2000 }));
    try {
      // Index 3 after an empty document the client filters out: the message names the caller's 3.
      const docs = ["document 1", "", "document 2", "x".repeat(5000), "document 4"];
      const err = await reranker.rerank("q", docs).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect(err).toMatchObject({ kind: "too-large", retryable: false, attempts: 0 });
      const bytes = Number(/a request of ([\d,]+) bytes/.exec((err as Error).message)?.[1].replace(/,/g, ""));
      expect(bytes).toBeGreaterThan(5000);
      expect((err as Error).message).toBe(
        `regolo: document 3 alone makes a request of ${bytes.toLocaleString("en-US")} bytes, over the request cap of 2,000 bytes (--max-request-bytes); not sent: shorten the document, or raise the cap if the provider takes larger requests`,
      );
      expect(server.requests).toHaveLength(0);
      // The same documents without it are split as usual and all sent.
      const ok = await reranker.rerank(
        "q",
        docs.filter((_, i) => i !== 3),
      );
      expect(ok.items).toHaveLength(3);
    } finally {
      await reranker.close();
      await server.close();
    }
  });

  it("measures the document as sent: the Qwen3 tags count against the cap", async () => {
    const server = await startLocalServer((req, res) => json(res, 200, regoloAnswer(req, scoreOf)));
    const limit = 400;
    const fixed = Buffer.byteLength(
      JSON.stringify({ model: "test-model", query: "q", documents: [] }),
    ) as number;
    // A document that fits bare but not inside "<Document>: …" with the instruction in the query.
    const doc = "y".repeat(limit - fixed - 16 - 2 - 5);
    const bare = createReranker(regoloConfig(server.url, { maxRequestBytes: limit }));
    const tagged = createReranker(
      regoloConfig(server.url, { maxRequestBytes: limit, qwen3Instruction: true }),
    );
    try {
      expect((await bare.rerank("q", [doc])).items).toHaveLength(1);
      expect(await tagged.rerank("q", [doc]).catch((e: unknown) => e)).toMatchObject({ kind: "too-large" });
    } finally {
      await bare.close();
      await tagged.close();
      await server.close();
    }
  });
});
