import { describe, expect, it } from "vitest";
import { DigitDrawer, wordStream } from "../../../src/metrics/stats/rng.js";

describe("seeded digits (MT19937 keyed by [seed, stream], several digits per 32-bit word)", () => {
  it("packs as many digits as fit below 2³²", () => {
    const next = wordStream(1, 1);
    expect(new DigitDrawer(next, 2).perWord).toBe(32);
    expect(new DigitDrawer(next, 1000).perWord).toBe(3);
    expect(new DigitDrawer(next, 65536).perWord).toBe(2);
    expect(new DigitDrawer(next, 3628800).perWord).toBe(1);
  });

  it("digits are uniform (each of 7 values within 5 sd of its expected count over 70,000)", () => {
    const out = new Int32Array(70_000);
    new DigitDrawer(wordStream(3, 1), 7).fill(out);
    const counts = new Array(7).fill(0);
    for (const d of out) counts[d]++;
    const sd = Math.sqrt(70_000 * (1 / 7) * (6 / 7));
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(5 * sd);
  });

  it("the same seed and stream give the same digits; another stream or seed others; seed 0 works", () => {
    const draw = (seed: number, stream: number) => {
      const out = new Int32Array(50);
      new DigitDrawer(wordStream(seed, stream), 1000).fill(out);
      return Array.from(out);
    };
    expect(draw(0, 1)).toEqual(draw(0, 1));
    expect(draw(0, 1)).not.toEqual(draw(0, 2));
    expect(draw(0, 1)).not.toEqual(draw(1, 1));
    expect(() => wordStream(2 ** 32, 1)).toThrow(RangeError);
    expect(new DigitDrawer(wordStream(1, 1), 1).one()).toBe(0);
  });
});
