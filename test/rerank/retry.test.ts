import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { createReranker } from "../../src/rerank/client.js";
import { backoffDelayMs, isRetryableStatus, retryAfterMs } from "../../src/rerank/retry.js";
import type { Reranker } from "../../src/rerank/types.js";
import {
  apiFailure,
  json,
  type LocalServer,
  regoloAnswer,
  regoloConfig,
  startLocalServer,
} from "./local-server.js";

describe("retry policy", () => {
  it("retries 408, 429, 499 and 5xx except 501 and llama.cpp's 'too large to process'", () => {
    for (const s of [408, 429, 499, 500, 502, 503, 504]) expect(isRetryableStatus(s)).toBe(true);
    for (const s of [400, 401, 403, 404, 413, 422, 424, 501]) expect(isRetryableStatus(s)).toBe(false);
    expect(
      isRetryableStatus(500, "input (900 tokens) is too large to process. increase the physical batch size"),
    ).toBe(false);
  });

  it("reads retry-after-ms, Retry-After seconds, HTTP dates and Mixedbread's details.retry_after", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMs({ "retry-after-ms": "200" }, null, now)).toBe(200);
    expect(retryAfterMs({ "retry-after": "2" }, null, now)).toBe(2000);
    expect(retryAfterMs({ "retry-after": "Thu, 01 Jan 2026 00:00:03 GMT" }, null, now)).toBe(3000);
    expect(retryAfterMs({ "retry-after": "Wed, 31 Dec 2025 23:00:00 GMT" }, null, now)).toBe(0);
    expect(retryAfterMs({}, { details: { retry_after: 1.5 } }, now)).toBe(1500);
    expect(retryAfterMs({ "retry-after": "soon" }, {}, now)).toBeUndefined();
    expect(retryAfterMs({}, null, now)).toBeUndefined();
  });

  it("full-jitter back-off is random·min(cap, base·2^retry)", () => {
    fc.assert(
      fc.property(
        fc.nat(40),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (retry, base, cap, r) => {
          // Full jitter: uniformly anywhere in [0, ceiling), the ceiling doubling per retry up to the cap.
          const d = backoffDelayMs(retry, base, cap, () => r);
          return d === r * Math.min(cap, base * 2 ** retry);
        },
      ),
    );
  });
});

describe("retries over real HTTP", () => {
  let server: LocalServer | undefined;
  let reranker: Reranker | undefined;
  afterEach(async () => {
    await reranker?.close();
    await server?.close();
    reranker = server = undefined;
  });

  const docs = ["alpha", "beta", "gamma"];

  async function setup(handler: Parameters<typeof startLocalServer>[0], extra: Record<string, unknown> = {}) {
    server = await startLocalServer(handler);
    reranker = createReranker(regoloConfig(server.url, extra));
    return { server, reranker };
  }

  it("honours Retry-After: 1 (second attempt arrives ≥ ~1 s later)", async () => {
    const { server, reranker } = await setup((req, res) =>
      req.n === 1
        ? json(res, 429, { error: { message: "slow down" } }, { "retry-after": "1" })
        : json(res, 200, regoloAnswer(req)),
    );
    const result = await reranker.rerank("q", docs);
    const gap = server.requests[1].at - server.requests[0].at;
    expect(gap).toBeGreaterThanOrEqual(950);
    expect(gap).toBeLessThan(3000);
    expect(result.attempts).toBe(2);
    expect(result.attemptLatenciesMs).toHaveLength(2);
    expect(result.latencyMs).toBeGreaterThanOrEqual(950);
  });

  it("honours retry-after-ms: 200", async () => {
    const { server, reranker } = await setup((req, res) =>
      req.n === 1
        ? json(res, 503, { error: { message: "busy" } }, { "retry-after-ms": "200" })
        : json(res, 200, regoloAnswer(req)),
    );
    await reranker.rerank("q", docs);
    const gap = server.requests[1].at - server.requests[0].at;
    expect(gap).toBeGreaterThanOrEqual(190);
    expect(gap).toBeLessThan(900);
  });

  it("honours Retry-After given as an HTTP date", async () => {
    const { server, reranker } = await setup((req, res) =>
      req.n === 1
        ? json(res, 429, { message: "later" }, { "retry-after": new Date(Date.now() + 2000).toUTCString() })
        : json(res, 200, regoloAnswer(req)),
    );
    await reranker.rerank("q", docs);
    const gap = server.requests[1].at - server.requests[0].at;
    // The date has one-second resolution: the pause is between 1 and 2 s.
    expect(gap).toBeGreaterThanOrEqual(900);
    expect(gap).toBeLessThan(2600);
  });

  it("bounds the back-off by the cap", async () => {
    const { server, reranker } = await setup((_req, res) => json(res, 503, { error: { message: "down" } }), {
      baseBackoffMs: 60_000,
      maxBackoffMs: 40,
      retries: 3,
    });
    const started = performance.now();
    const err = await apiFailure(reranker.rerank("q", docs));
    // Uncapped, three retries at base 60 s would wait up to 7 minutes; capped at 40 ms they cannot.
    expect(performance.now() - started).toBeLessThan(2000);
    expect(err.attempts).toBe(4);
    expect(server.requests).toHaveLength(4);
    for (let i = 1; i < 4; i++) expect(server.requests[i].at - server.requests[i - 1].at).toBeLessThan(500);
    expect(err.message).toMatch(/^regolo 503 down \(after 4 attempts\)$/);
  });

  it("fails a 400 at once with the provider's own message", async () => {
    const { server, reranker } = await setup((_req, res) =>
      json(res, 400, { message: "document at index 0 cannot be empty" }),
    );
    const err = await apiFailure(reranker.rerank("q", docs));
    expect(server.requests).toHaveLength(1);
    expect(err).toMatchObject({ kind: "http", status: 400, attempts: 1, retryable: false });
    expect(err.message).toBe("regolo 400 document at index 0 cannot be empty (after 1 attempt)");
    expect(err.providerMessage).toBe("document at index 0 cannot be empty");
  });

  it("retries 429, 503 and a connection reset, counting every attempt", async () => {
    const { server, reranker } = await setup((req, res) => {
      if (req.n === 1) return json(res, 429, { error: { message: "rate" } });
      if (req.n === 2) return json(res, 503, { error: { message: "busy" } });
      if (req.n === 3) return void res.socket?.destroy();
      json(res, 200, regoloAnswer(req));
    });
    const result = await reranker.rerank("q", docs);
    expect(server.requests).toHaveLength(4);
    expect(result.attempts).toBe(4);
    expect(result.attemptLatenciesMs).toHaveLength(4);
    expect(result.items.map((i) => i.index)).toEqual([0, 1, 2]);
  });

  it("reports a connection reset that outlasts the retries as a network error", async () => {
    const { reranker } = await setup((_req, res) => void res.socket?.destroy(), { retries: 2 });
    const err = await apiFailure(reranker.rerank("q", docs));
    expect(err.kind).toBe("network");
    expect(err.attempts).toBe(3);
    expect(err.message).toMatch(/after 3 attempts/);
  });

  it("retries a refused connection", async () => {
    server = await startLocalServer(() => {});
    const url = server.url;
    await server.close();
    server = undefined;
    reranker = createReranker(regoloConfig(url, { retries: 1 }));
    const err = await apiFailure(reranker.rerank("q", docs));
    expect(err).toMatchObject({ kind: "network", attempts: 2, retryable: true });
    expect(err.message).toMatch(/connection refused \(ECONNREFUSED\)/);
  });

  it("does not retry 501 nor llama.cpp's 'too large to process' 500, but does retry a plain 500", async () => {
    const { server, reranker } = await setup((req, res) => {
      if (req.body.query === "501")
        return json(res, 501, { error: { message: "This server does not support reranking" } });
      if (req.body.query === "big")
        return json(res, 500, {
          error: { message: "input (900 tokens) is too large to process. increase the physical batch size" },
        });
      return req.n === 3 ? json(res, 500, { error: { message: "oops" } }) : json(res, 200, regoloAnswer(req));
    });
    expect((await apiFailure(reranker.rerank("501", docs))).attempts).toBe(1);
    const big = await apiFailure(reranker.rerank("big", docs));
    expect(big).toMatchObject({ status: 500, attempts: 1, retryable: false });
    expect(server.requests).toHaveLength(2);
    const ok = await reranker.rerank("plain", docs);
    expect(ok.attempts).toBe(2);
  });

  it("gives up at once when the server asks for an unreasonably long pause", async () => {
    const { server, reranker } = await setup((_req, res) =>
      json(res, 429, { message: "quota" }, { "retry-after": "3600" }),
    );
    const err = await apiFailure(reranker.rerank("q", docs));
    expect(server.requests).toHaveLength(1);
    expect(err.message).toMatch(/server asked to retry after 3600 s/);
  });

  it("retries 0 disables retrying", async () => {
    const { server, reranker } = await setup((_req, res) => json(res, 503, { error: { message: "busy" } }), {
      retries: 0,
    });
    const err = await apiFailure(reranker.rerank("q", docs));
    expect(err.attempts).toBe(1);
    expect(server.requests).toHaveLength(1);
  });

  it("turns a silent server into a timeout error (headers timeout)", async () => {
    const { reranker } = await setup(() => {}, { headersTimeoutMs: 200, retries: 1 });
    const started = performance.now();
    const err = await apiFailure(reranker.rerank("q", docs));
    expect(err.kind).toBe("timeout");
    expect(err.attempts).toBe(2);
    expect(err.attemptLatenciesMs[0]).toBeGreaterThanOrEqual(150);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("turns a stalled body into a timeout error (body timeout)", async () => {
    const { reranker } = await setup(
      (_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"results": [');
      },
      { bodyTimeoutMs: 200, retries: 0 },
    );
    const err = await apiFailure(reranker.rerank("q", docs));
    expect(err.kind).toBe("timeout");
    expect(err.message).toMatch(/UND_ERR_BODY_TIMEOUT/);
  });
});
