/** fast-check arbitraries for rankings, shared by the metric and the trec order tests. */
import fc from "fast-check";
import type { Ranking } from "../../src/trec/types.js";

// Ids chosen so that UTF-16 order and byte order disagree, plus prefixes of one another.
export const POOL = [
  "a",
  "b",
  "ab",
  "10",
  "9",
  "d1",
  "\uFF5E",
  "\u{1F600}",
  "\uE000",
  "é",
  "Z",
  "aa",
  "x\u{10000}",
  "x\uFFFF",
];
export const ranked = fc
  .uniqueArray(fc.constantFrom(...POOL), { maxLength: POOL.length })
  .chain((ids) =>
    fc.record({
      ids: fc.constant(ids),
      // A few distinct values force ties; negatives and fractions on purpose.
      scores: fc.array(fc.constantFrom(-2, -0.5, 0, 0.5, 1, 1, 3.25), {
        minLength: ids.length,
        maxLength: ids.length,
      }),
    }),
  )
  .map(({ ids, scores }): Ranking => ({ docIds: ids, scores }));
