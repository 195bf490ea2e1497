import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseScore } from "../../src/trec/scan.js";

describe("parseScore", () => {
  const parse = (s: string) => parseScore(Buffer.from(`${s} `), 0, s.length);

  it("equals Number() (correctly rounded) on any double's decimal spellings", () => {
    fc.assert(
      fc.property(
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.integer({ min: 0, max: 20 }),
        (x, digits) => {
          for (const s of [
            String(x),
            x.toFixed(Math.min(digits, 100)),
            x.toExponential(digits),
            x.toPrecision(digits + 1),
          ]) {
            if (Number.isFinite(Number(s)))
              expect(Object.is(parse(s), Number(s)) || parse(s) === Number(s)).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("equals Number() on short decimal strings (the fast path) and rejects non-numbers", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[+-]?\d{1,17}(\.\d{0,12})?([eE][+-]?\d{1,2})?$/), (s) => {
        expect(parse(s)).toBe(Number(s));
      }),
    );
    for (const bad of ["abc", "1.5x", "1e", "-", ".", "inf", "nan", "Infinity", "1e400"])
      expect(parse(bad)).toBeNaN();
    expect(parse(".5")).toBe(0.5);
    expect(parse("1.")).toBe(1);
    expect(parse("0.1")).toBe(0.1);
  });
});
