/**
 * 429s have their own budget, by time (rateLimitWaitMs, the sum of the waits), separate from the
 * `retries` that 5xx and network failures spend; Retry-After is honoured up to a bound per wait,
 * jittered exponential back-off stands in when there is none, the task deadline bounds it all, and
 * onRateLimited hears of every 429 before its wait. Timing is measured on the server side.
 */
import pLimit from "p-limit";
import { afterEach, describe, expect, it } from "vitest";
import { createReranker } from "../../src/rerank/client.js";
import type { Reranker } from "../../src/rerank/types.js";
import { type RunningServer, startServer } from "../../src/server/index.js";
import {
  apiFailure,
  json,
  type LocalServer,
  regoloAnswer,
  regoloConfig,
  startLocalServer,
} from "./local-server.js";

let server: LocalServer | undefined;
let reranker: Reranker | undefined;
afterEach(async () => {
  await reranker?.close();
  await server?.close();
  reranker = server = undefined;
});

const docs = ["alpha", "beta", "gamma"];
const tooMany =
  (headers: Record<string, string> = {}) =>
  (res: Parameters<typeof json>[0]) =>
    json(res, 429, { error: { message: "slow down" } }, headers);

describe("429 budget", () => {
  it("a server answering 429 ten times then 200 succeeds with retries=3", async () => {
    server = await startLocalServer((req, res) =>
      req.n <= 10 ? tooMany({ "retry-after-ms": "20" })(res) : json(res, 200, regoloAnswer(req)),
    );
    const heard: (number | undefined)[] = [];
    reranker = createReranker(regoloConfig(server.url, { retries: 3 }));
    const result = await reranker.rerank("q", docs, { onRateLimited: (ms) => heard.push(ms) });
    expect(result.attempts).toBe(11);
    expect(result.attemptLatenciesMs).toHaveLength(11);
    expect(server.requests).toHaveLength(11);
    expect(heard).toEqual(Array(10).fill(20));
    for (let i = 1; i < 11; i++)
      expect(server.requests[i].at - server.requests[i - 1].at).toBeGreaterThanOrEqual(19);
  });

  it("429s leave the retries to 5xx, which still spend them", async () => {
    /** A server answering the statuses of `script` in turn, then 200. */
    const scripted = async (script: number[]) => {
      await server?.close();
      server = await startLocalServer((req, res) => {
        const status = script[req.n - 1] ?? 200;
        if (status === 200) return json(res, 200, regoloAnswer(req));
        const message = status === 429 ? "slow down" : "busy";
        json(res, status, { error: { message } }, { "retry-after-ms": "5" });
      });
      return createReranker(regoloConfig(server.url, { retries: 3 }));
    };
    reranker = await scripted([429, 503, 429, 429, 503, 429, 503]);
    expect((await reranker.rerank("q", docs)).attempts).toBe(8);
    await reranker.close();
    // A fourth 503 is one more than retries=3 allows, however few 429s came before.
    reranker = await scripted([429, 503, 429, 429, 503, 429, 503, 503]);
    const err = await apiFailure(reranker.rerank("q", docs));
    expect(err).toMatchObject({ kind: "http", status: 503, attempts: 8 });
    expect(err.message).toBe("regolo 503 busy (after 8 attempts)");
  });

  it("honours Retry-After: 1 (next attempt ≥ ~1 s later) and tells onRateLimited before waiting", async () => {
    server = await startLocalServer((req, res) =>
      req.n === 1 ? tooMany({ "retry-after": "1" })(res) : json(res, 200, regoloAnswer(req)),
    );
    reranker = createReranker(regoloConfig(server.url));
    const heard: { ms: number | undefined; at: number }[] = [];
    await reranker.rerank("q", docs, { onRateLimited: (ms) => heard.push({ ms, at: performance.now() }) });
    const [first, second] = server.requests;
    expect(second.at - first.at).toBeGreaterThanOrEqual(950);
    expect(second.at - first.at).toBeLessThan(2500);
    expect(heard).toHaveLength(1);
    expect(heard[0].ms).toBe(1000);
    expect(heard[0].at).toBeLessThan(second.at - 900);
  });

  it("refuses a Retry-After past the 120 s bound at once, saying what the server asked", async () => {
    server = await startLocalServer((_req, res) => tooMany({ "retry-after": "3600" })(res));
    reranker = createReranker(regoloConfig(server.url));
    const heard: (number | undefined)[] = [];
    const started = performance.now();
    const err = await apiFailure(reranker.rerank("q", docs, { onRateLimited: (ms) => heard.push(ms) }));
    expect(performance.now() - started).toBeLessThan(500);
    expect(server.requests).toHaveLength(1);
    expect(err).toMatchObject({ kind: "http", status: 429, attempts: 1 });
    expect(err.message).toBe(
      "regolo 429 slow down (server asked to retry after 3600 s, more than the 120 s bound; after 1 attempt)",
    );
    expect(heard).toEqual([3_600_000]);
  });

  it("stops when another wait would pass the rate-limit budget (by time, summed)", async () => {
    server = await startLocalServer((_req, res) => tooMany({ "retry-after-ms": "100" })(res));
    reranker = createReranker(regoloConfig(server.url, { rateLimitWaitMs: 300 }));
    const started = performance.now();
    const err = await apiFailure(reranker.rerank("q", docs));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(295);
    expect(elapsed).toBeLessThan(1500);
    expect(server.requests).toHaveLength(4); // waits of 100 + 100 + 100 fit 300 ms; a fourth does not
    expect(err).toMatchObject({ kind: "http", status: 429, attempts: 4, retryable: true });
    expect(err.message).toBe(
      "regolo 429 slow down (rate limited 4 times: 300 ms waited, another 100 ms would pass the 300 ms budget (--rate-limit-wait-ms); after 4 attempts)",
    );
  });

  it("rateLimitWaitMs 0 turns the first 429 into the failure", async () => {
    server = await startLocalServer((_req, res) => tooMany()(res));
    reranker = createReranker(regoloConfig(server.url, { rateLimitWaitMs: 0, baseBackoffMs: 50 }));
    const err = await apiFailure(reranker.rerank("q", docs));
    expect(server.requests).toHaveLength(1);
    expect(err.message).toMatch(
      /^regolo 429 slow down \(rate limited 1 time: 0 ms waited, another \d+ ms would pass/,
    );
  });

  it("backs off exponentially with full jitter when no Retry-After is given", async () => {
    server = await startLocalServer((req, res) =>
      req.n <= 6 ? tooMany()(res) : json(res, 200, regoloAnswer(req)),
    );
    reranker = createReranker(regoloConfig(server.url, { baseBackoffMs: 40, maxBackoffMs: 10_000 }));
    const result = await reranker.rerank("q", docs);
    expect(result.attempts).toBe(7);
    const at = server.requests.map((r) => r.at);
    const gaps = at.slice(1).map((t, i) => t - at[i]);
    // The n-th wait is drawn from [0, 40·2^n) ms: under its ceiling (plus a round trip), and not all nil.
    for (const [n, gap] of gaps.entries()) expect(gap).toBeLessThan(40 * 2 ** n + 150);
    expect(gaps.reduce((a, b) => a + b, 0)).toBeGreaterThan(30);
  });

  it("the task deadline bounds the waits too", async () => {
    server = await startLocalServer((_req, res) => tooMany({ "retry-after-ms": "200" })(res));
    reranker = createReranker(regoloConfig(server.url, { taskTimeoutMs: 500 }));
    const started = performance.now();
    const err = await apiFailure(reranker.rerank("q", docs));
    expect(performance.now() - started).toBeLessThan(800);
    expect(server.requests.length).toBeLessThanOrEqual(3);
    expect(err.message).toMatch(
      /^regolo 429 slow down \(the task deadline \(500 ms, --task-timeout-ms\) leaves no time for the 200 ms wait before another attempt; after \d attempts\)$/,
    );
  });
});

describe("a flood against a rate limit", () => {
  let limited: RunningServer | undefined;
  afterEach(async () => {
    await limited?.close();
    limited = undefined;
  });

  it("60 calls at once against 20 requests/s with retries=0: every one succeeds", async () => {
    // Far over the limit whatever the machine's speed: 60 calls sent within the second of a 20-call burst.
    limited = await startServer({ port: 0, rateLimitRps: 20 });
    // retries 0: under a shared budget the first 429 of any task would have been its failure.
    const client = createReranker(regoloConfig(`${limited.url}/rerank`, { model: "bm25", retries: 0 }));
    reranker = client;
    const limit = pLimit(64);
    let rateLimited = 0;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) =>
        limit(() =>
          client.rerank(`query ${i}`, ["capital city", "bananas", "a query"], {
            onRateLimited: () => rateLimited++,
          }),
        ),
      ),
    );
    const failed = outcomes.filter((o) => o.status === "rejected");
    expect(failed.map((f) => String((f as PromiseRejectedResult).reason)).slice(0, 3)).toEqual([]);
    // The limit was really hit: past the burst of 20, the other 40 are refused at least once when
    // sent within a few ms; a loaded machine sending over a second still meets some refusals.
    expect(rateLimited).toBeGreaterThanOrEqual(10);
    const attempts = outcomes.map((o) => (o.status === "fulfilled" ? o.value.attempts : 0));
    expect(attempts.reduce((a, b) => a + b, 0)).toBe(60 + rateLimited);
  }, 10_000);
});
