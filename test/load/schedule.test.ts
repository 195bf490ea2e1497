/**
 * The pure parts of the load: arrival schedules (constant times exact, poisson seeded and of the
 * right mean rate), the SLO parser's strictness, the HDR histogram's percentiles and encoding, and
 * the saturation search against a known capacity.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import {
  constantSchedule,
  decodeHistogram,
  findMaxRate,
  LatencyHistogram,
  parseSlo,
  poissonSchedule,
  withWarmupRamp,
} from "../../src/load/index.js";

const take = (s: { next(): number }, n: number) => Array.from({ length: n }, () => s.next());

describe("arrival schedules", () => {
  it("constant: request i is intended at i / rate seconds", () => {
    expect(take(constantSchedule(4), 5)).toEqual([0, 250, 500, 750, 1000]);
    const t = take(constantSchedule(2000), 2001);
    expect(t[2000]).toBeCloseTo(1000, 9);
    expect(t[1] - t[0]).toBeCloseTo(0.5, 12);
  });

  it("poisson: the same seed gives the same times, another seed others", () => {
    const a = take(poissonSchedule(100, 7), 50);
    expect(take(poissonSchedule(100, 7), 50)).toEqual(a);
    expect(take(poissonSchedule(100, 8), 50)).not.toEqual(a);
    expect(a[0]).toBe(0);
    for (let i = 1; i < a.length; i++) expect(a[i]).toBeGreaterThan(a[i - 1]);
  });

  it("poisson: the mean rate is the rate asked for, and the gaps are exponential (CV near 1)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 5000, noNaN: true }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        (rate, seed) => {
          const n = 20_000;
          const t = take(poissonSchedule(rate, seed), n + 1);
          const gaps = t.slice(1).map((x, i) => x - t[i]);
          const mean = gaps.reduce((s, g) => s + g, 0) / n;
          const sd = Math.sqrt(gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / n);
          // 20,000 exponential gaps: the mean's relative SD is 0.7 %; 4 % is beyond 5 SD.
          expect(Math.abs(mean * rate - 1000) / 1000).toBeLessThan(0.04);
          expect(Math.abs(sd / mean - 1)).toBeLessThan(0.06);
        },
      ),
      { numRuns: 20 },
    );
  });
});

describe("the warmup ramp", () => {
  it("ramps the rate up linearly over the warmup, then runs the schedule from its end", () => {
    // 2,000/s over 3 s: rate × warmup / 2 = 3,000 requests, request k at sqrt(2 · 3000 · k / 2) ms.
    const t = take(withWarmupRamp(constantSchedule(2000), 2000, 3000), 3010);
    expect(t[0]).toBe(0);
    expect(t[1]).toBeCloseTo(Math.sqrt(3000), 9);
    expect(t[2999]).toBeLessThan(3000);
    expect(t.slice(3000, 3003)).toEqual([3000, 3000.5, 3001]);
    // The rate over each second of the warmup grows as t: 1/9, 3/9 and 5/9 of the 3,000.
    const inSecond = (s: number) => t.filter((x) => x >= s * 1000 && x < (s + 1) * 1000).length;
    expect([inSecond(0), inSecond(1), inSecond(2)]).toEqual([334, 1000, 1666]);
  });

  it("keeps any schedule's times ascending and its own after the warmup; no warmup, no ramp", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 5000, noNaN: true }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        (rate, warmupMs, seed) => {
          // Requests k = 0, 1, ... while k < rate × warmup / 2: that many, rounded up.
          const expected = (rate * warmupMs) / 2000;
          const t = take(withWarmupRamp(poissonSchedule(rate, seed), rate, warmupMs), expected + 1000);
          for (let i = 1; i < t.length; i++) expect(t[i]).toBeGreaterThanOrEqual(t[i - 1]);
          const ramp = t.filter((x) => x < warmupMs).length;
          expect(ramp).toBeGreaterThanOrEqual(expected - 1e-6);
          expect(ramp).toBeLessThanOrEqual(expected + 1);
          const own = take(poissonSchedule(rate, seed), t.length - ramp);
          for (let i = ramp; i < t.length; i++) expect(t[i] - warmupMs).toBeCloseTo(own[i - ramp], 6);
        },
      ),
      { numRuns: 30 },
    );
    expect(take(withWarmupRamp(constantSchedule(4), 4, 0), 3)).toEqual([0, 250, 500]);
  });
});

describe("--slo", () => {
  it("reads a percentile, '<' and a time in ms or s", () => {
    expect(parseSlo("p95<500ms")).toEqual({ text: "p95<500ms", percentile: "p95", thresholdMs: 500 });
    expect(parseSlo(" p999 < 1.5s ")).toEqual({ text: "p999 < 1.5s", percentile: "p999", thresholdMs: 1500 });
    expect(parseSlo("p50<20ms").percentile).toBe("p50");
  });

  it.each([
    ["p97<500ms", /unknown percentile 'p97'.*p50, p90, p95, p99, p999/],
    ["p95<500", /cannot read 'p95<500'.*units ms or s/],
    ["p95>500ms", /cannot read/],
    ["p95<0ms", /must be above 0/],
    ["fast", /cannot read 'fast'/],
    ["p95<500ms and p99<1s", /cannot read/],
  ])("refuses %s in one line", (text, message) => {
    expect(() => parseSlo(text)).toThrow(UsageError);
    expect(() => parseSlo(text)).toThrow(message);
  });
});

describe("LatencyHistogram", () => {
  it("gives HDR percentiles within 0.1 %, and its encoding decodes to the same counts", () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.record(i);
    const p = h.percentiles();
    expect(p.p50).toBeCloseTo(500, -0.3);
    expect(Math.abs(p.p99 - 990) / 990).toBeLessThan(0.001);
    expect(Math.abs(p.p999 - 999) / 999).toBeLessThan(0.001);
    expect(Math.abs(p.max - 1000) / 1000).toBeLessThan(0.001);
    const { encoded, buckets } = h.serialize();
    const back = decodeHistogram(encoded);
    expect(back.totalCount).toBe(1000);
    expect(Math.abs(back.getValueAtPercentile(99) / 1000 - 990) / 990).toBeLessThan(0.001);
    expect(buckets.reduce((s, b) => s + b.count, 0)).toBe(1000);
    expect(buckets.at(-1)?.upToMs).toBe(1000);
    expect(buckets.find((b) => b.upToMs === 100)?.count).toBe(30);
  });

  it("is all zeros without samples", () => {
    expect(new LatencyHistogram().percentiles()).toEqual({ p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 });
  });
});

describe("findMaxRate", () => {
  it.each([10, 37, 160, 1000])(
    "lands within 5 %% below a capacity of %d from rate 10, in few steps",
    async (capacity) => {
      const probes: [number, string][] = [];
      const max = await findMaxRate(
        async (rate, phase) => {
          probes.push([rate, phase]);
          return rate <= capacity;
        },
        { start: 10 },
      );
      expect(max).not.toBeNull();
      expect(max as number).toBeLessThanOrEqual(capacity);
      expect(max as number).toBeGreaterThanOrEqual(capacity * 0.95);
      expect(probes.length).toBeLessThanOrEqual(12);
      expect(probes[0]).toEqual([10, "exponential"]);
    },
  );

  it("goes down when the first rate fails, and says null when nothing holds", async () => {
    const down = await findMaxRate(async (r) => r <= 3, { start: 10 });
    expect(down).toBeGreaterThanOrEqual(3 * 0.95);
    expect(down).toBeLessThanOrEqual(3);
    expect(await findMaxRate(async () => false, { start: 10, minRate: 1 })).toBeNull();
  });

  it("stops when asked", async () => {
    let n = 0;
    await findMaxRate(
      async () => {
        n++;
        return true;
      },
      { start: 10 },
      () => n >= 2,
    );
    expect(n).toBe(2);
  });
});
