import { describe, expect, it } from "vitest";
import { RequestPacer } from "../../src/run/pacer.js";

describe("RequestPacer", () => {
  it("spaces requests 1/rps apart, shared by concurrent callers", async () => {
    const pacer = new RequestPacer(50); // 20 ms apart
    const t0 = performance.now();
    const times = await Promise.all(
      Array.from({ length: 11 }, () => pacer.take().then(() => performance.now() - t0)),
    );
    times.sort((a, b) => a - b);
    expect(times[0]).toBeLessThan(15);
    // 10 intervals of 20 ms; node timers round to whole ms, so allow a few ms of early firing.
    expect(times[10]).toBeGreaterThanOrEqual(195);
    expect(times[10]).toBeLessThan(400);
  });

  it("refuses a non-positive rate", () => {
    expect(() => new RequestPacer(0)).toThrow(RangeError);
  });
});
