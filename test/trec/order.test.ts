import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareIdBytes, sortTrec, tiesInTopK } from "../../src/trec/order.js";
import { ranked } from "../helpers/rankings.js";

describe("trec order", () => {
  it("compareIdBytes has the sign of Buffer.compare on UTF-8 (any well-formed string)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), (a, b) => {
        expect(Math.sign(compareIdBytes(a, b))).toBe(Buffer.compare(Buffer.from(a), Buffer.from(b)));
      }),
      { numRuns: 300 },
    );
  });

  it("sortTrec: score descending, ties by id descending in byte order, a permutation", () => {
    fc.assert(
      fc.property(ranked, (r) => {
        const s = sortTrec(r);
        expect([...s.docIds].sort()).toEqual([...r.docIds].sort());
        for (let i = 1; i < s.docIds.length; i++) {
          const tie = s.scores[i] === s.scores[i - 1];
          expect(s.scores[i] <= s.scores[i - 1]).toBe(true);
          if (tie) expect(Buffer.compare(Buffer.from(s.docIds[i - 1]), Buffer.from(s.docIds[i]))).toBe(1);
        }
      }),
    );
  });

  it("tiesInTopK sees equal scores among the top k only", () => {
    const r = { docIds: ["a", "b", "c", "d"], scores: [4, 3, 2, 2] };
    expect(tiesInTopK(r, 3)).toBe(false); // 4, 3, 2 | 2
    expect(tiesInTopK(r, 4)).toBe(true);
    expect(tiesInTopK({ docIds: ["x", "y"], scores: [1, 1] }, 10)).toBe(true);
    expect(tiesInTopK({ docIds: [], scores: [] }, 10)).toBe(false);
  });
});
