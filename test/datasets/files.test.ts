/** Streaming reads give their file back: a reader that stops early must not leak a descriptor. */
import { existsSync, readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectFormat, loadEvalSet } from "../../src/datasets/index.js";
import { inputError, jsonl, scratch } from "./helpers.js";

let tmp: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  tmp = await scratch();
});
afterAll(() => tmp.cleanup());

const openFds = () => readdirSync("/proc/self/fd").length;

describe.skipIf(!existsSync("/proc/self/fd"))("file descriptors (needs Linux /proc)", () => {
  it("detection (first line only) and a load that fails early close their files, gzip or not", async () => {
    // Big enough that the read stream is still mid-file when the reader stops.
    const rows = jsonl(
      Array.from({ length: 3_000 }, (_, i) => ({ query: `q${i}`, positive: ["a"], negative: [] })),
    );
    const plain = await tmp.write("big.jsonl", rows);
    const zipped = await tmp.write("big.jsonl.gz", rows);
    const badCsv = await tmp.write("bad.csv.gz", `query,document,label\nq,d,x\n${"q,d,1\n".repeat(20_000)}`);
    const badMteb = await tmp.write("bad.jsonl", `{"query": "q", "positive": [}\n${rows}`);
    const before = openFds();
    for (let i = 0; i < 3; i++) {
      expect(await detectFormat(plain)).toBe("mteb");
      expect(await detectFormat(zipped)).toBe("mteb");
      expect((await inputError(loadEvalSet(badCsv))).line).toBe(2);
      expect((await inputError(loadEvalSet(badMteb, { format: "mteb" }))).line).toBe(1);
    }
    // Destroyed streams close their descriptors on a later tick.
    for (let wait = 0; wait < 20 && openFds() > before; wait++) await new Promise((r) => setTimeout(r, 10));
    expect(openFds()).toBeLessThanOrEqual(before);
  });
});
