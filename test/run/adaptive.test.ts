/**
 * The adaptive limiter with real async tasks (timers, no fake clock): it bounds the tasks in flight
 * by its limit, keeps queue order, halves once per burst of 429s, grows back by one after `limit`
 * successes, and never leaves [1, max].
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { AdaptiveLimiter } from "../../src/run/adaptive.js";

/** Runs `n` tasks of `ms` each through the limiter; returns the most in flight at once and the start order. */
async function drive(limiter: AdaptiveLimiter, n: number, ms: number, during?: (i: number) => void) {
  let inFlight = 0;
  let most = 0;
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      limiter.run(async () => {
        order.push(i);
        inFlight++;
        most = Math.max(most, inFlight);
        during?.(i);
        await sleep(ms);
        inFlight--;
        return i;
      }),
    ),
  );
  return { most, order };
}

describe("AdaptiveLimiter", () => {
  it("runs at most `max` tasks at once, in the order they were queued, and returns their values", async () => {
    const limiter = new AdaptiveLimiter(3);
    const { most, order } = await drive(limiter, 12, 5);
    expect(most).toBe(3);
    expect(order).toEqual([...Array(12).keys()]);
    await expect(limiter.run(async (limit) => limit * 10)).resolves.toBe(30);
    expect(limiter.active).toBe(0);
    expect(limiter.changes).toEqual([]);
  });

  it("a task that throws (or rejects) frees its slot and rejects its own promise only", async () => {
    const limiter = new AdaptiveLimiter(1);
    const bad = limiter.run(() => {
      throw new Error("sync");
    });
    const worse = limiter.run(async () => {
      throw new Error("async");
    });
    const good = limiter.run(async () => "fine");
    await expect(bad).rejects.toThrow("sync");
    await expect(worse).rejects.toThrow("async");
    await expect(good).resolves.toBe("fine");
    expect(limiter.active).toBe(0);
  });

  it("a burst of 429s within the window halves the limit once; the next burst halves it again, never below 1", async () => {
    const limiter = new AdaptiveLimiter(16, { windowMs: 50 });
    for (let i = 0; i < 10; i++) limiter.rateLimited();
    expect(limiter.limit).toBe(8);
    await sleep(60);
    limiter.rateLimited();
    expect(limiter.limit).toBe(4);
    for (let i = 0; i < 4; i++) {
      await sleep(60);
      limiter.rateLimited();
    }
    expect(limiter.limit).toBe(1);
    expect(limiter.min).toBe(1);
    expect(limiter.changes.map((c) => c.limit)).toEqual([8, 4, 2, 1]);
  });

  it("after a halving, new tasks wait until the tasks in flight fall below the new limit", async () => {
    const limiter = new AdaptiveLimiter(8, { windowMs: 1_000 });
    const started: number[] = [];
    let inFlight = 0;
    let mostAfterHalving = 0;
    let halved = false;
    await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        limiter.run(async () => {
          inFlight++;
          started.push(i);
          // Task 0 halves the limit as it starts: from then on at most 4 run, whatever was queued.
          if (halved) mostAfterHalving = Math.max(mostAfterHalving, inFlight);
          if (i === 0) {
            limiter.rateLimited();
            halved = true;
          }
          await sleep(10);
          inFlight--;
        }),
      ),
    );
    expect(limiter.limit).toBe(4);
    expect(started.slice(0, 8)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(mostAfterHalving).toBe(4);
    const { most } = await drive(limiter, 12, 5);
    expect(most).toBe(4);
  });

  it("grows back by one after `limit` successes in a row, up to max and no further", async () => {
    const limiter = new AdaptiveLimiter(4, { windowMs: 0 });
    limiter.rateLimited();
    limiter.rateLimited();
    expect(limiter.limit).toBe(1);
    limiter.succeeded();
    expect(limiter.limit).toBe(2);
    limiter.succeeded();
    expect(limiter.limit).toBe(2);
    limiter.succeeded();
    expect(limiter.limit).toBe(3);
    // A 429 in between resets the run of successes (and halves).
    limiter.succeeded();
    limiter.succeeded();
    limiter.rateLimited();
    expect(limiter.limit).toBe(1);
    for (let i = 0; i < 100; i++) limiter.succeeded();
    expect(limiter.limit).toBe(4);
    expect(limiter.changes.map((c) => c.limit)).toEqual([2, 1, 2, 3, 1, 2, 3, 4]);
  });

  it("growing lets queued tasks start at once, up to the new limit", async () => {
    const limiter = new AdaptiveLimiter(3, { windowMs: 0 });
    limiter.rateLimited();
    limiter.rateLimited();
    expect(limiter.limit).toBe(1);
    let inFlight = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 30 }, () =>
        limiter.run(async () => {
          inFlight++;
          most = Math.max(most, inFlight);
          await sleep(3);
          inFlight--;
          limiter.succeeded();
        }),
      ),
    );
    expect(limiter.limit).toBe(3);
    expect(most).toBe(3);
  });

  it("refuses a limit below 1", () => {
    expect(() => new AdaptiveLimiter(0)).toThrow(RangeError);
  });
});
