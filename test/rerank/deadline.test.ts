/**
 * The two deadlines: one per attempt (connect, headers and the whole body: a trickled body is cut at
 * it, where undici's idle timeouts, reset by each byte, never fire) and one per task across retries
 * and waits (a hung server costs at most that). Real servers on loopback; the server side records
 * when the client really closed the connection, so "aborted" means the request, not just the promise.
 */
import type { ServerResponse } from "node:http";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createReranker } from "../../src/rerank/client.js";
import type { Reranker } from "../../src/rerank/types.js";
import { buildCli, spawnCli } from "../helpers/cli.js";
import {
  apiFailure,
  CANARY_KEY,
  json,
  type LocalServer,
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

/** Answers 200 and then one byte of JSON whitespace every `everyMs`, never finishing. */
function trickle(res: ServerResponse, everyMs: number, closed: number[]) {
  res.writeHead(200, { "content-type": "application/json" });
  res.write('{"results":[');
  const timer = setInterval(() => res.write(" "), everyMs);
  res.on("close", () => {
    clearInterval(timer);
    closed.push(performance.now());
  });
}

describe("attempt deadline", () => {
  it("cuts a body trickled a byte every 200 ms at the deadline (+ < 1 s), and closes the connection", async () => {
    const closed: number[] = [];
    server = await startLocalServer((_req, res) => trickle(res, 200, closed));
    reranker = createReranker(regoloConfig(server.url, { timeoutMs: 1000, retries: 0 }));
    const started = performance.now();
    const err = await apiFailure(reranker.rerank("q", docs));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(990);
    expect(elapsed).toBeLessThan(2000);
    expect(err).toMatchObject({ kind: "timeout", retryable: true, attempts: 1 });
    expect(err.message).toBe(
      `regolo ${new URL(server.url).origin}: no complete answer within 1 s (attempt deadline) (after 1 attempt)`,
    );
    // The server saw the request end: aborted on the wire, not merely given up on.
    await expect.poll(() => closed.length, { timeout: 1000 }).toBe(1);
    expect(closed[0] - started).toBeLessThan(2000);
  });

  it("is retried like any timeout: each attempt is cut at its own deadline", async () => {
    const closed: number[] = [];
    server = await startLocalServer((_req, res) => trickle(res, 50, closed));
    reranker = createReranker(regoloConfig(server.url, { timeoutMs: 300, retries: 2 }));
    const err = await apiFailure(reranker.rerank("q", docs));
    expect(err).toMatchObject({ kind: "timeout", attempts: 3 });
    expect(server.requests).toHaveLength(3);
    expect(err.attemptLatenciesMs).toHaveLength(3);
    for (const ms of err.attemptLatenciesMs) {
      expect(ms).toBeGreaterThanOrEqual(290);
      expect(ms).toBeLessThan(900);
    }
    expect(err.message).toMatch(
      /no complete answer within 300 ms \(attempt deadline\) \(after 3 attempts\)$/,
    );
  });

  it("leaves an answer that completes in time alone", async () => {
    server = await startLocalServer(async (req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const body = JSON.stringify({
        results: (req.body.documents ?? []).map((_d, index) => ({ index, relevance_score: 1 - index / 10 })),
      });
      // Slow but finished well inside the deadline: three pieces 100 ms apart.
      for (const piece of [body.slice(0, 5), body.slice(5, 12)]) {
        res.write(piece);
        await new Promise((r) => setTimeout(r, 100));
      }
      res.end(body.slice(12));
    });
    reranker = createReranker(regoloConfig(server.url, { timeoutMs: 1500, retries: 0 }));
    const result = await reranker.rerank("q", docs);
    expect(result.items.map((i) => i.index)).toEqual([0, 1, 2]);
    expect(result.attempts).toBe(1);
  });
});

describe("task deadline", () => {
  it("a hung server costs the task deadline, not retries × attempt deadline, and says which deadline", async () => {
    server = await startLocalServer(() => {}); // reads the request, never answers
    reranker = createReranker(regoloConfig(server.url, { timeoutMs: 400, taskTimeoutMs: 1000, retries: 10 }));
    const started = performance.now();
    const err = await apiFailure(reranker.rerank("q", docs));
    const elapsed = performance.now() - started;
    // Ten retries of 400 ms would take over 4 s; the task deadline stops them at 1 s.
    expect(elapsed).toBeGreaterThanOrEqual(990);
    expect(elapsed).toBeLessThan(1500);
    expect(err.kind).toBe("timeout");
    expect(err.attempts).toBe(3); // 400 + 400 + the 200 ms left
    expect(err.message).toMatch(
      /: no complete answer before the task deadline \(1 s, --task-timeout-ms\) \(after 3 attempts\)$/,
    );
  });

  it("fails at once when the next wait would end past it, instead of sleeping into it", async () => {
    server = await startLocalServer((_req, res) =>
      json(res, 503, { error: { message: "busy" } }, { "retry-after": "2" }),
    );
    reranker = createReranker(regoloConfig(server.url, { taskTimeoutMs: 1000 }));
    const started = performance.now();
    const err = await apiFailure(reranker.rerank("q", docs));
    expect(performance.now() - started).toBeLessThan(500);
    expect(server.requests).toHaveLength(1);
    expect(err).toMatchObject({ kind: "http", status: 503, attempts: 1 });
    expect(err.message).toBe(
      "regolo 503 busy (the task deadline (1 s, --task-timeout-ms) leaves no time for the 2 s wait before another attempt; after 1 attempt)",
    );
  });

  it("cuts a back-off after a network failure the same way", async () => {
    server = await startLocalServer((_req, res) => void res.socket?.destroy());
    reranker = createReranker(
      regoloConfig(server.url, { taskTimeoutMs: 300, baseBackoffMs: 5000, maxBackoffMs: 5000, retries: 5 }),
    );
    const started = performance.now();
    const err = await apiFailure(reranker.rerank("q", docs));
    // Full jitter draws from [0, 5 s): a draw under the ~300 ms left would allow a second attempt.
    expect(performance.now() - started).toBeLessThan(1000);
    expect(err.kind).toBe("network");
    expect(err.message).toMatch(/the task deadline \(300 ms, --task-timeout-ms\)/);
  });

  it("covers every request of a chunked call, queued ones included", async () => {
    server = await startLocalServer(() => {});
    reranker = createReranker(
      regoloConfig(server.url, { timeoutMs: 10_000, taskTimeoutMs: 500, maxDocsPerRequest: 1 }),
    );
    const started = performance.now();
    const err = await apiFailure(reranker.rerank("q", ["a", "b", "c", "d", "e", "f"]));
    expect(performance.now() - started).toBeLessThan(1200);
    expect(err.kind).toBe("timeout");
    expect(err.message).toMatch(/task deadline \(500 ms, --task-timeout-ms\)/);
  });
});

describe("deadline flags on the command line", () => {
  beforeAll(buildCli, 60_000);

  it("rerank --timeout-ms cuts a trickled answer: exit 3, one line; a bad --task-timeout-ms is exit 2", async () => {
    const closed: number[] = [];
    server = await startLocalServer((_req, res) => trickle(res, 100, closed));
    const args = ["rerank", "--endpoint", server.url, "--model", "m", "--query", "q", "--doc", "a"];
    const run = await spawnCli([...args, "--timeout-ms", "500", "--retries", "1"], {
      REGOLO_API_KEY: CANARY_KEY,
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /^rerank-eval: API error: regolo http:\/\/127\.0\.0\.1:\d+: no complete answer within 500 ms \(attempt deadline\) \(after 2 attempts\)\n$/,
    );
    expect(run.ms).toBeLessThan(5000);
    const bad = await spawnCli([...args, "--task-timeout-ms", "0"], { REGOLO_API_KEY: CANARY_KEY });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("rerank-eval: error: --task-timeout-ms must be a number > 0, got 0\n");
  }, 20_000);
});
