import { afterEach, describe, expect, it } from "vitest";
import { KNOWN_ANSWER } from "../../src/rerank/known-answer.js";
import { PendingDelays, ServerClosing } from "../../src/server/delays.js";
import { type RunningServer, startServer } from "../../src/server/index.js";
import { post, rawPost } from "./helpers.js";

const ka = { model: "bm25", query: KNOWN_ANSWER.query, documents: KNOWN_ANSWER.documents };

/** Every process warning emitted while `run` runs (emitWarning delivers on a later tick). */
async function warningsDuring(run: () => Promise<void>): Promise<Error[]> {
  const seen: Error[] = [];
  const onWarning = (w: Error) => seen.push(w);
  process.on("warning", onWarning);
  try {
    await run();
    await new Promise((r) => setTimeout(r, 20));
  } finally {
    process.off("warning", onWarning);
  }
  return seen;
}

describe("PendingDelays", () => {
  it("resolves after the delay and forgets finished waits", async () => {
    const delays = new PendingDelays();
    const t0 = performance.now();
    await Promise.all([delays.wait(30), delays.wait(10)]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
    expect(delays.size).toBe(0);
  });

  it("cancelAll ends every wait at once with ServerClosing and refuses new ones", async () => {
    const delays = new PendingDelays();
    const waits = Array.from({ length: 50 }, () => delays.wait(60_000).catch((e: unknown) => e));
    expect(delays.size).toBe(50);
    const t0 = performance.now();
    delays.cancelAll();
    for (const outcome of await Promise.all(waits)) expect(outcome).toBeInstanceOf(ServerClosing);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(delays.closed).toBe(true);
    expect(delays.size).toBe(0);
    await expect(delays.wait(1)).rejects.toBeInstanceOf(ServerClosing);
  });
});

describe("injected latency under concurrency", () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("100 concurrent requests with latency 50 ms: all answered, no MaxListenersExceededWarning", async () => {
    server = await startServer({ latencyMs: 50 });
    const url = `${server.url}/rerank`;
    let statuses: number[] = [];
    const warnings = await warningsDuring(async () => {
      const t0 = performance.now();
      statuses = (await Promise.all(Array.from({ length: 100 }, () => post(url, ka)))).map((a) => a.status);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(50);
    });
    expect(statuses).toEqual(new Array(100).fill(200));
    expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
  });

  it("close() with 30 requests asleep ends them all promptly, without a warning", async () => {
    const s = await startServer({ latencyMs: 60_000 });
    const warnings = await warningsDuring(async () => {
      const pending = Array.from({ length: 30 }, () => rawPost(`${s.url}/v2/rerank`, JSON.stringify(ka)));
      await new Promise((r) => setTimeout(r, 150));
      const t0 = performance.now();
      await s.close();
      expect(performance.now() - t0).toBeLessThan(1000);
      // No answer: the connections were closed under the sleeping requests.
      for (const r of await Promise.all(pending)) expect(r.status).toBeUndefined();
    });
    expect(warnings).toEqual([]);
  });
});
