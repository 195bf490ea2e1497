/** The index's hash-table dictionaries, against a Map on the same keys. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { flatCopy, StringTable } from "../../src/retrieval/string-table.js";
import { hashRange } from "../../src/text/analysis.js";

describe.each(["strings", "units"] as const)("StringTable keeping %s", (keep) => {
  it("gives dense ids in insertion order and finds every key again, past many growths", () => {
    const table = new StringTable(keep);
    const ids = new Map<string, number>();
    // 50,000 keys: the slots grow from 2,048 six times; short keys collide in the low hash bits.
    const absentFirst: string[] = [];
    for (let i = 0; i < 50_000; i++) {
      const key = i.toString(36);
      if (table.get(key) !== -1) absentFirst.push(key);
      ids.set(key, keep === "units" ? table.addRange(key, 0, key.length, hashRange(key)) : table.add(key));
    }
    expect(absentFirst).toEqual([]);
    expect(table.size).toBe(50_000);
    const lost = [...ids].filter(([key, id]) => table.get(key) !== id);
    expect(lost).toEqual([]);
    expect([...ids.values()]).toEqual(Array.from({ length: 50_000 }, (_, i) => i));
    if (keep === "strings") expect(table.strings.slice(0, 3)).toEqual(["0", "1", "2"]);
  });

  it("looks a key up as a range of a longer text, telling apart keys that differ in length or one unit", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ unit: "binary", maxLength: 6 }), { minLength: 1, maxLength: 40 }),
        fc.string({ maxLength: 5 }),
        (keys, pad) => {
          const table = new StringTable(keep);
          for (const k of keys) table.add(k);
          const wrong = keys.filter((k, id) => {
            const text = `${pad}${k}${pad}`;
            return (
              table.findRange(text, pad.length, pad.length + k.length, hashRange(k)) !== id ||
              table.get(`${k}x`) !== keys.indexOf(`${k}x`)
            );
          });
          expect(wrong).toEqual([]);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("flatCopy", () => {
  it("copies every unit, lone surrogates included", () => {
    const s = `${"x".repeat(20)}\uD800é\u{1F600}`;
    expect(flatCopy(s.slice(3))).toBe(s.slice(3));
    expect(flatCopy("short")).toBe("short");
  });
});
