import { readFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { idsWithWhitespace, trecLines, trecRunChunks } from "../../src/report/trec.js";
import { writeAtomically } from "../../src/results/folder.js";
import { qrelsLines } from "../../src/results/qrels.js";
import { tempDir } from "../run/helpers.js";
import { record } from "./fixtures.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(() => cleanup());

describe("TREC run export", () => {
  it("property: scores read back bit-exact, ranks follow the trec rule (score desc, id desc in bytes)", () => {
    const score = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.constantFrom(0.5, 0.5, 1e-300, -0),
    );
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.stringMatching(/^[A-Za-z0-9~_-]{1,6}$/), score), {
          selector: (t) => t[0],
          maxLength: 20,
        }),
        (ranking) => {
          const lines = trecLines(record("v", "q", ranking), "v");
          const parsed = lines.map((l) => l.split(" "));
          expect(parsed.map((p) => p[3])).toEqual(parsed.map((_, i) => String(i + 1)));
          const byId = new Map(ranking);
          // === on purpose: -0 prints as "0", the same score for trec_eval; every other value is bit-exact.
          for (const p of parsed) expect(Number(p[4]) === byId.get(p[2])).toBe(true);
          for (let i = 1; i < parsed.length; i++) {
            const [a, b] = [parsed[i - 1], parsed[i]];
            const order = Number(a[4]) - Number(b[4]) || Buffer.compare(Buffer.from(a[2]), Buffer.from(b[2]));
            expect(order).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("writes `qid Q0 docid rank score tag` and skips failed queries", async () => {
    const path = join(dir, "run.trec");
    await writeAtomically(
      path,
      trecRunChunks(
        [
          record("v", "q1", [
            ["a", 0.25],
            ["b", 0.75],
            ["c", 0.25],
          ]),
          record("v", "q2", [], { error: { kind: "http", status: 500, message: "x" } }),
        ],
        "v",
      ),
    );
    expect(await readFile(path, "utf8")).toBe("q1 Q0 b 1 0.75 v\nq1 Q0 c 2 0.25 v\nq1 Q0 a 3 0.25 v\n");
  });

  it("writes the evaluated queries' qrels and counts ids TREC cannot carry", async () => {
    const path = join(dir, "qrels.txt");
    const qrels = new Map([
      [
        "q1",
        new Map([
          ["a", 2],
          ["b", 0],
        ]),
      ],
      ["q2", new Map([["c", 1]])],
    ]);
    await writeAtomically(path, qrelsLines(["q2", "q1"], qrels));
    expect(await readFile(path, "utf8")).toBe("q2 0 c 1\nq1 0 a 2\nq1 0 b 0\n");
    expect(idsWithWhitespace(["ok", "has space", "tab\there", "", "fine-id"])).toBe(3);
  });
});
