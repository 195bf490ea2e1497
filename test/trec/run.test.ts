import { statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readQrels } from "../../src/trec/qrels.js";
import { rankedCandidates, readRun, scanRun } from "../../src/trec/run.js";
import { dir, file, inputError } from "./helpers.js";

const TAG = "a-long-run-tag-".repeat(4);

describe("readRun", () => {
  it("keeps file order and the scores; ignores the rank column; CRLF; no final newline", async () => {
    const run = await readRun(file("q1 Q0 a 9 1.5 t\r\nq1 Q0 b x -2e-3 t\r\nq2\tQ0\tc\t1\t7\ttag"));
    expect(run.get("q1")).toEqual({ docIds: ["a", "b"], scores: Float64Array.of(1.5, -0.002) });
    expect(run.get("q2")).toEqual({ docIds: ["c"], scores: Float64Array.of(7) });
  });

  it("ignores what follows the tag and lines whose first non-blank is '#', as trec_eval does", async () => {
    const run = await readRun(
      file(
        "# run by bm25\n  #indented comment\nq1 Q0 a 1 3 t extra 1 2 3\r\nq1 Q0 b#2 2 2 t\t#x\nq1 Q0 c 3 1 t\n",
      ),
    );
    expect(run).toEqual(new Map([["q1", { docIds: ["a", "b#2", "c"], scores: Float64Array.of(3, 2, 1) }]]));
  });

  it("merges a query whose lines are not contiguous", async () => {
    const run = await readRun(file("q1 Q0 a 1 3 t\nq2 Q0 x 1 1 t\nq1 Q0 b 2 2 t\n"));
    expect(run.get("q1")?.docIds).toEqual(["a", "b"]);
    expect(run.get("q2")?.docIds).toEqual(["x"]);
  });

  it("depth keeps the top documents by the trec rule (score desc, then id desc in byte order)", async () => {
    // scores a 1, b 3, c 3, d 2: the b/c tie goes to the greater id → c, b, d, a
    const path = file("q Q0 a 1 1 t\nq Q0 b 2 3 t\nq Q0 c 3 3 t\nq Q0 d 4 2 t\n");
    const run = await readRun(path, { depth: 3 });
    expect(run.get("q")?.docIds).toEqual(["c", "b", "d"]);
    expect(rankedCandidates(await readRun(path))).toEqual(new Map([["q", ["c", "b", "d", "a"]]]));
    expect(rankedCandidates(await readRun(path), 2)).toEqual(new Map([["q", ["c", "b"]]]));
  });

  it("an empty run (plain or gzip) has no rankings, whatever an earlier read left in memory", async () => {
    // The read buffer is not zeroed: an empty file once 'found' lines in the previous file's bytes.
    await readRun(file("q1 Q0 d1 1 2 t\nq1 Q0 d2 2 1 t x\n".repeat(3))).catch(() => undefined);
    for (const empty of [file(""), file(gzipSync(""), "empty.gz")]) {
      expect((await readRun(empty)).size).toBe(0);
      expect((await readRun(empty, { depth: 5 })).size).toBe(0);
      expect((await inputError(readQrels(empty))).message).toContain("no judgements");
    }
  });

  it("depth: a grouped run cut while streaming equals the whole run merged and cut (property)", async () => {
    // Ids whose '<' order and byte order differ, few distinct scores (ties), queries grouped or not.
    const ids = ["a", "b", "ab", "9", "10", "\uFF5E", "\u{1F600}", "\uE000", "é"];
    const entry = fc.record({
      q: fc.constantFrom("q1", "q2", "\u{1F600}"),
      d: fc.constantFrom(...ids),
      s: fc.constantFrom("-1", "0", "0.5", "2", "2.0"),
    });
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(entry, { maxLength: 30 }),
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        async (rows, depth, grouped) => {
          const seen = new Set<string>();
          const unique = rows.filter((r) => !seen.has(`${r.q}/${r.d}`) && seen.add(`${r.q}/${r.d}`));
          if (grouped) unique.sort((x, y) => (x.q < y.q ? -1 : x.q > y.q ? 1 : 0));
          const path = file(
            unique.map((r, i) => `${r.q} Q0 ${r.d} ${i} ${r.s} t\n`).join(""),
            `prop-${runs++}.run`,
          );
          const whole = await readRun(path);
          const top = await readRun(path, { depth });
          expect([...top.keys()].sort()).toEqual([...whole.keys()].sort());
          for (const [qid, ranking] of whole) {
            const order = [...ranking.docIds.keys()].sort(
              (i, j) =>
                ranking.scores[j] - ranking.scores[i] ||
                Buffer.compare(Buffer.from(ranking.docIds[j]), Buffer.from(ranking.docIds[i])),
            );
            const kept = order.slice(0, depth);
            expect(top.get(qid)).toEqual({
              docIds: kept.map((i) => ranking.docIds[i]),
              scores: Float64Array.from(kept, (i) => ranking.scores[i]),
            });
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("reads UTF-8 ids byte-exactly and gzip transparently", async () => {
    const text = "q Q0 \uFF5E 1 1 t\nq Q0 \u{1F600} 2 1 t\n";
    const run = await readRun(file(gzipSync(text), "run.gz"));
    expect(rankedCandidates(run).get("q")).toEqual(["\u{1F600}", "\uFF5E"]);
  });

  it("streams a file bigger than its 8 MB read buffer, a query spanning the chunk boundary", async () => {
    // ~9.4 MB: 12 queries × 8,000 lines of ~98 bytes (a long tag keeps the line count, and the time, down).
    const lines: string[] = [];
    for (let q = 0; q < 12; q++) {
      for (let d = 0; d < 8000; d++)
        lines.push(`query-${q} Q0 doc-${q}-${d} ${d + 1} ${(8000 - d) / 7} ${TAG}`);
    }
    const path = file(`${lines.join("\n")}\n`);
    let blocks = 0;
    let entries = 0;
    await scanRun(path, (b) => {
      blocks++;
      entries += b.n;
    });
    expect({ blocks, entries }).toEqual({ blocks: 12, entries: 96_000 });
    expect(statSync(path).size).toBeGreaterThan(8 << 20);
    const run = await readRun(path);
    const q7 = run.get("query-7");
    expect(q7?.docIds.length).toBe(8000);
    expect(q7?.docIds[7999]).toBe("doc-7-7999");
    expect(q7?.scores[4321]).toBe((8000 - 4321) / 7);
    // The gzip path fills the same buffer from small inflated chunks.
    const gz = file(gzipSync(`${lines.join("\n")}\n`), "big.gz");
    const fromGz = await readRun(gz);
    expect(fromGz.size).toBe(12);
    expect(fromGz.get("query-7")).toEqual(q7);
  });

  it.each([
    ["q1 Q0 d1 1 1.0\n", 1, undefined, "expected 6 columns `qid Q0 docid rank score tag`, found 5"],
    ["q1 Q0 d1 1 1.0 t\nq1 Q0 d2 2 1.0\n", 2, undefined, "found 5"],
    ["# a comment\n\nq1 Q0 d1 1 1.0\n", 3, undefined, "found 5"],
    ["q1 Q0 d1 1 abc t\n", 1, "score", "score must be a finite number, got 'abc'"],
    ["q1 Q0 d1 1 1.0 t\nq1 Q0 d2 1 inf t\n", 2, "score", "got 'inf'"],
    ["q1 Q0 d1 1 NaN t\n", 1, "score", "got 'NaN'"],
    ["q1 Q0 d1 1 1e999 t\n", 1, "score", "got '1e999'"],
    [
      "q1 Q0 d1 1 1 t\nq1 Q0 d2 2 1 t\nq1 Q0 d1 3 0 t\n",
      3,
      "docid",
      "document 'd1' appears twice in the ranking of query 'q1' (first on line 1)",
    ],
    ["q1 Q0 d1 1 1 t\nq2 Q0 d1 1 1 t\nq1 Q0 d1 2 0 t\n", 3, "docid", "appears twice"],
  ])("rejects %j at line %i", async (content, line, field, reason) => {
    const path = file(content);
    const err = await inputError(readRun(path));
    expect(err).toMatchObject({ file: path, line, field });
    expect(err.message).toContain(`${path}:${line}`);
    expect(err.message).toContain(reason);
  });

  it("rejects a missing file and a directory", async () => {
    expect((await inputError(readRun(join(dir, "none.run")))).message).toContain("no such file");
    expect((await inputError(readRun(dir))).message).toContain("is a directory");
  });
});
