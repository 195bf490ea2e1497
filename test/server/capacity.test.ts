import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { KNOWN_ANSWER } from "../../src/rerank/known-answer.js";
import { ServiceSlots } from "../../src/server/capacity.js";
import { ServerClosing } from "../../src/server/delays.js";
import { type RunningServer, type ServerOptions, startServer } from "../../src/server/index.js";
import { buildCli, runCli, startServeProcess } from "../helpers/cli.js";
import { post, rawPost } from "./helpers.js";

const ka = { model: "bm25", query: KNOWN_ANSWER.query, documents: KNOWN_ANSWER.documents };
const running: RunningServer[] = [];
async function serve(opts: ServerOptions): Promise<RunningServer> {
  const s = await startServer(opts);
  running.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

/**
 * Sends `n` requests at once; each one's finish time (ms since the burst) in completion order. One
 * request first, untimed, so the connection set-up and first-call compilation are not in the figures.
 * On a loaded machine every finish can come late by the same amount, so the tests bound the time
 * from first to last finish rather than the first one alone.
 */
async function burst(url: string, n: number): Promise<{ finished: number[]; statuses: number[] }> {
  await post(url, ka);
  const t0 = performance.now();
  const finished: number[] = [];
  const statuses = await Promise.all(
    Array.from({ length: n }, () =>
      post(url, ka).then((a) => {
        finished.push(performance.now() - t0);
        return a.status;
      }),
    ),
  );
  return { finished, statuses };
}

describe("ServiceSlots", () => {
  it("grants at most N at once, the rest in arrival order as slots are released", async () => {
    const slots = new ServiceSlots(2);
    const order: number[] = [];
    const releases: Array<() => void> = [];
    const waits = Array.from({ length: 5 }, (_, i) =>
      slots.acquire().then((release) => {
        order.push(i);
        releases.push(release);
      }),
    );
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual([0, 1]);
    expect([slots.inService, slots.queued]).toEqual([2, 3]);
    releases[0]();
    releases[0](); // a second release of the same slot is a no-op, not a free slot
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual([0, 1, 2]);
    expect([slots.inService, slots.queued]).toEqual([2, 2]);
    for (let k = 1; k < 5; k++) releases[k]?.();
    releases[3]?.();
    await Promise.all(waits);
    for (const release of releases) release();
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect([slots.inService, slots.queued]).toEqual([0, 0]);
  });

  it("keeps FIFO order through thousands of waiters (the queue compacts without losing any)", async () => {
    const slots = new ServiceSlots(1);
    const order: number[] = [];
    const waits = Array.from({ length: 5000 }, (_, i) =>
      slots.acquire().then((release) => {
        order.push(i);
        release();
      }),
    );
    await Promise.all(waits);
    expect(order).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect([slots.inService, slots.queued]).toEqual([0, 0]);
  });

  it("close() refuses the waiters and later acquires with ServerClosing", async () => {
    const slots = new ServiceSlots(1);
    await slots.acquire();
    const waiting = slots.acquire().catch((e: unknown) => e);
    slots.close();
    expect(await waiting).toBeInstanceOf(ServerClosing);
    await expect(slots.acquire()).rejects.toBeInstanceOf(ServerClosing);
  });
});

describe("serve with a capacity", () => {
  it("latency 50, capacity 2: 10 simultaneous requests are served in ~5 waves, all answered", async () => {
    const s = await serve({ latencyMs: 50, capacity: 2 });
    const seen = { inService: 0, queued: 0 };
    const probe = setInterval(() => {
      const now = s.load();
      seen.inService = Math.max(seen.inService, now.inService);
      seen.queued = Math.max(seen.queued, now.queued);
    }, 5);
    const { finished, statuses } = await burst(`${s.url}/rerank`, 10).finally(() => clearInterval(probe));
    expect(statuses).toEqual(new Array(10).fill(200));
    // Lower bounds hold on any machine: 5 waves of 50 ms cannot end before 250 ms, nor wave 3 before 150.
    expect(finished[9]).toBeGreaterThanOrEqual(245);
    expect(finished[4]).toBeGreaterThanOrEqual(145);
    // First wave to last: 200 ms when served 2 at a time; one wave would be ~0.
    expect(finished[9] - finished[0]).toBeGreaterThanOrEqual(150);
    expect(finished[9]).toBeLessThan(2000);
    expect(seen.inService).toBe(2);
    expect(seen.queued).toBeGreaterThanOrEqual(6);
    expect(s.load()).toEqual({ inService: 0, queued: 0 });
  });

  it("without a capacity the same burst is one wave", async () => {
    const s = await serve({ latencyMs: 50 });
    const { finished, statuses } = await burst(`${s.url}/rerank`, 10);
    expect(statuses).toEqual(new Array(10).fill(200));
    expect(finished[9] - finished[0]).toBeLessThan(100);
  });

  it("a client that leaves while queued takes no service: the next one is not held up by it", async () => {
    const s = await serve({ latencyMs: 300, capacity: 1 });
    await post(`${s.url}/rerank`, { ...ka, documents: ["warm up"] });
    const t0 = performance.now();
    const first = post(`${s.url}/rerank`, ka);
    await new Promise((r) => setTimeout(r, 20));
    const gaveUp = fetch(`${s.url}/rerank`, {
      method: "POST",
      body: JSON.stringify(ka),
      signal: AbortSignal.timeout(60),
    }).then(
      () => "answered",
      () => "aborted",
    );
    await new Promise((r) => setTimeout(r, 20));
    const third = post(`${s.url}/rerank`, ka).then((a) => ({ status: a.status, at: performance.now() - t0 }));
    expect(await gaveUp).toBe("aborted");
    expect((await first).status).toBe(200);
    const t = await third;
    expect(t.status).toBe(200);
    // Served second: ~600 ms. Had the abandoned request been served in between, 900 ms at least.
    expect(t.at).toBeGreaterThanOrEqual(590);
    expect(t.at).toBeLessThan(880);
  });

  it("close() with requests queued and in service ends them all promptly", async () => {
    const s = await startServer({ latencyMs: 60_000, capacity: 1 });
    const pending = Array.from({ length: 5 }, () => rawPost(`${s.url}/rerank`, JSON.stringify(ka)));
    await new Promise((r) => setTimeout(r, 100));
    expect(s.load()).toEqual({ inService: 1, queued: 4 });
    const t0 = performance.now();
    await s.close();
    expect(performance.now() - t0).toBeLessThan(1000);
    for (const r of await Promise.all(pending)) expect(r.status).toBeUndefined();
  });

  it("refuses a capacity that is not a positive integer", async () => {
    await expect(startServer({ capacity: 0 })).rejects.toThrow("capacity must be a positive integer, got 0");
    await expect(startServer({ capacity: 1.5 })).rejects.toThrow("capacity must be a positive integer");
  });
});

describe("serve --capacity (CLI)", () => {
  beforeAll(() => buildCli(), 120_000);

  it("the process queues beyond its capacity: 6 requests at latency 60, capacity 3, in 2 waves", async () => {
    const p = await startServeProcess(["--latency-ms", "60", "--capacity", "3", "--quiet"]);
    try {
      const { finished, statuses } = await burst(`${p.url}/v1/rerank`, 6);
      expect(statuses).toEqual(new Array(6).fill(200));
      expect(finished[5]).toBeGreaterThanOrEqual(115);
      expect(finished[5] - finished[0]).toBeGreaterThanOrEqual(45);
    } finally {
      await p.stop();
    }
  });

  it("a bad --capacity is one line and exit 2", async () => {
    for (const value of ["0", "2.5", "-1"]) {
      const r = await runCli(["serve", "--port", "0", "--capacity", value]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain("--capacity must be an integer >= 1");
      expect(r.stderr).not.toContain("    at ");
    }
  });
});
