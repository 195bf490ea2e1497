/** The report's JSON in pieces, and its string-by-string redaction, against what they replaced. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonChunks, mapStrings } from "../../src/text/json.js";

/** JSON values, plus what JSON.stringify drops from objects and writes as null in arrays. */
const withHoles = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.jsonValue({ maxDepth: 2 }),
    fc.constant(undefined),
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie("value"), { maxKeys: 5 }),
  ),
})).value;

describe("jsonChunks", () => {
  it("joins to exactly JSON.stringify(value, null, 2) for any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect([...jsonChunks(v)].join("")).toBe(JSON.stringify(v, null, 2));
      }),
      { numRuns: 500 },
    );
  });

  it("leaves out undefined members and writes undefined array items as null, as JSON.stringify does", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 6 }), withHoles, { maxKeys: 6 }), (v) => {
        expect([...jsonChunks(v)].join("")).toBe(JSON.stringify(v, null, 2));
      }),
      { numRuns: 500 },
    );
    const odd = {
      a: undefined,
      b: [undefined, () => 1, { c: undefined }, { toJSON: () => undefined }],
      d: { toJSON: () => "x" },
      e: {},
      f: { toJSON: () => undefined },
      g: [[], [{}], { h: [] }],
    };
    expect([...jsonChunks(odd)].join("")).toBe(JSON.stringify(odd, null, 2));
  });

  it("never makes one piece of a big object of objects: each innermost object is its own piece", () => {
    const perQuery: Record<string, Record<string, number>> = {};
    for (let m = 0; m < 5; m++) {
      const values: Record<string, number> = {};
      for (let q = 0; q < 2000; q++) values[`q${q}`] = q / 7;
      perQuery[`m${m}`] = values;
    }
    const report = { variants: [{ id: "a", perQuery }] };
    const pieces = [...jsonChunks(report)];
    const whole = JSON.stringify(report, null, 2);
    expect(pieces.join("")).toBe(whole);
    const largest = Math.max(...pieces.map((p) => p.length));
    expect(largest).toBeLessThan(whole.length / 4);
  });
});

describe("mapStrings", () => {
  it("returns the very same object when nothing changes", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(mapStrings(v, (s) => s)).toBe(v);
      }),
    );
  });

  it("equals redacting the JSON text and parsing it back, for text with nothing JSON escapes", () => {
    const plain = fc.string({ unit: fc.constantFrom("a", "b", "k", "e", "y", " ", "1"), maxLength: 8 });
    const value = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: "small" },
        plain,
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie("v"), { maxLength: 4 }),
        fc.dictionary(plain, tie("v"), { maxKeys: 4 }),
      ),
    })).v;
    const redact = (t: string) => t.split("key").join("[REDACTED]");
    fc.assert(
      fc.property(value, (v) => {
        expect(mapStrings(v, redact)).toEqual(JSON.parse(redact(JSON.stringify(v))));
      }),
      { numRuns: 500 },
    );
  });

  it("copies only the path to a changed string and shares the rest", () => {
    const untouched = { q1: 0.5, q2: 0.25 };
    const report = { variants: [{ perQuery: untouched }, { notes: ["sk-secret here"] }] };
    const out = mapStrings(report, (t) => t.replace("sk-secret", "[REDACTED]"));
    expect(out.variants[1]).toEqual({ notes: ["[REDACTED] here"] });
    expect(out.variants[0].perQuery).toBe(untouched);
    expect(report.variants[1]).toEqual({ notes: ["sk-secret here"] });
  });

  it("shares what holds NaN (NaN is not !== itself for this)", () => {
    const inner = { x: Number.NaN };
    const value = { inner, list: [Number.NaN] };
    expect(mapStrings(value, (t) => t)).toBe(value);
  });

  it("redacts object keys too", () => {
    expect(mapStrings({ "sk-secret": 1, ok: 2 }, (t) => t.replace("sk-secret", "X"))).toEqual({
      X: 1,
      ok: 2,
    });
  });
});
