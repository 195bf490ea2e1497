import { beforeAll, describe, expect, it } from "vitest";
import { ServiceSlots } from "../../src/server/capacity.js";
import { ServerClosing } from "../../src/server/delays.js";
import { startServer } from "../../src/server/index.js";
import { buildCli, runCli, startServeProcess } from "../helpers/cli.js";
import { KNOWN_ANSWER_REQUEST as ka, post, rawPost, serversClosedAfterEach } from "./helpers.js";

const serve = serversClosedAfterEach();

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
    expect(seen.queued).toBeGreaterThanOrEqual(1); // how many queue at once depends on how fast they arrive
    expect(s.load()).toEqual({ inService: 0, queued: 0 });
  });

  it("without a capacity the same burst is one wave: all 10 in service at once", async () => {
    const s = await serve({ latencyMs: 300 });
    let most = 0;
    const probe = setInterval(() => {
      most = Math.max(most, s.load().inService);
    }, 5);
    const { finished, statuses } = await burst(`${s.url}/rerank`, 10).finally(() => clearInterval(probe));
    expect(statuses).toEqual(new Array(10).fill(200));
    expect(most).toBe(10);
    expect(finished).toHaveLength(10);
  });

  it("a client that leaves while queued takes no service: the next one is not held up by it", async () => {
    const s = await serve({ latencyMs: 500, capacity: 1 });
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
    // Served second: ~1000 ms. Had the abandoned request been served in between, 1500 ms at least.
    expect(t.at).toBeGreaterThanOrEqual(990);
    expect(t.at).toBeLessThan(1450);
  });

  it("close() with requests queued and in service ends them all promptly", async () => {
    const s = await startServer({ latencyMs: 60_000, capacity: 1 });
    const pending = Array.from({ length: 5 }, () => rawPost(`${s.url}/rerank`, JSON.stringify(ka)));
    for (let waited = 0; s.load().queued < 4 && waited < 5000; waited += 20)
      await new Promise((r) => setTimeout(r, 20));
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
