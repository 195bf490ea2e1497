import { describe, expect, it } from "vitest";
import { FaultPlan, TokenBucket } from "../../src/server/faults.js";

describe("TokenBucket", () => {
  it("lets one second's worth through, then refuses with a whole-second Retry-After, and refills", () => {
    let now = 0;
    const bucket = new TokenBucket(2, () => now);
    expect(bucket.take().ok).toBe(true);
    expect(bucket.take().ok).toBe(true);
    expect(bucket.take()).toEqual({ ok: false, retryAfterSeconds: 1 });
    now = 499;
    expect(bucket.take().ok).toBe(false);
    now = 501; // 0.5 s at 2/s = one token
    expect(bucket.take().ok).toBe(true);
    expect(bucket.take().ok).toBe(false);
    now = 100_000; // refill is capped at capacity
    expect([bucket.take().ok, bucket.take().ok, bucket.take().ok]).toEqual([true, true, false]);
  });

  it("below 1 rps holds one token and asks for the real wait", () => {
    let now = 0;
    const bucket = new TokenBucket(0.25, () => now);
    expect(bucket.take().ok).toBe(true);
    expect(bucket.take()).toEqual({ ok: false, retryAfterSeconds: 4 });
    now = 3000;
    expect(bucket.take()).toEqual({ ok: false, retryAfterSeconds: 1 });
  });
});

describe("FaultPlan", () => {
  it("is a deterministic sequence for a seed and differs between seeds", () => {
    const seq = (seed: number) => {
      const plan = new FaultPlan(0.2, 0.3, seed);
      return Array.from({ length: 50 }, () => plan.decide());
    };
    expect(seq(5)).toEqual(seq(5));
    expect(seq(5)).not.toEqual(seq(6));
  });

  it("hits its rates: 0 never, 1 always, p about p", () => {
    const count = (drop: number, fail: number, n = 20_000) => {
      const plan = new FaultPlan(drop, fail, 1);
      const c = { drop: 0, fail: 0, none: 0 };
      for (let i = 0; i < n; i++) c[plan.decide()]++;
      return c;
    };
    expect(count(0, 0, 1000)).toEqual({ drop: 0, fail: 0, none: 1000 });
    expect(count(0, 1, 1000).fail).toBe(1000);
    expect(count(1, 1, 1000).drop).toBe(1000);
    const c = count(0.1, 0.5);
    expect(c.drop / 20_000).toBeGreaterThan(0.09);
    expect(c.drop / 20_000).toBeLessThan(0.11);
    // fail is drawn independently of drop: P(fail) = (1 − 0.1) · 0.5
    expect(c.fail / 20_000).toBeGreaterThan(0.43);
    expect(c.fail / 20_000).toBeLessThan(0.47);
  });
});
