/** BEIR folders with bad input: every error names the file, the line and the field. */
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEvalSet } from "../../src/datasets/index.js";
import { expectLocated, inputError, jsonl, miniBeir, SHIPPED, scratch } from "./helpers.js";

const TINY = join(SHIPPED, "tiny-beir");

let tmp: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  tmp = await scratch();
});
afterAll(() => tmp.cleanup());

describe("BEIR errors name file, line and field", () => {
  const cases: Array<[string, Record<string, string>, string, number, string | undefined, RegExp]> = [
    [
      "malformed corpus line",
      { "corpus.jsonl": '{"_id":"d1","text":"a"}\n{"_id": "d2", "text": \n' },
      "corpus.jsonl",
      2,
      undefined,
      /malformed JSON/,
    ],
    [
      "corpus line not an object",
      { "corpus.jsonl": "[1, 2]\n" },
      "corpus.jsonl",
      1,
      undefined,
      /JSON object/,
    ],
    [
      "missing _id",
      { "corpus.jsonl": '{"_id":"d1","text":"a"}\n\n{"text":"b"}\n' },
      "corpus.jsonl",
      3,
      "_id",
      /missing/,
    ],
    ["missing text", { "corpus.jsonl": '{"_id":"d1","title":"t"}\n' }, "corpus.jsonl", 1, "text", /missing/],
    [
      "duplicate document",
      { "corpus.jsonl": '{"_id":"d1","text":"a"}\n{"_id":"d1","text":"b"}\n' },
      "corpus.jsonl",
      2,
      "_id",
      /first on line 1/,
    ],
    [
      "empty query text",
      { "queries.jsonl": '{"_id":"q1","text":"  "}\n{"_id":"q2","text":"ok"}\n' },
      "queries.jsonl",
      1,
      "text",
      /empty/,
    ],
    [
      "non-integer grade",
      { "qrels/test.tsv": "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td1\thigh\n" },
      "qrels/test.tsv",
      3,
      "score",
      /integer grade/,
    ],
    [
      "wrong field count",
      { "qrels/test.tsv": "query-id\tcorpus-id\tscore\nq1 d1 1\n" },
      "qrels/test.tsv",
      2,
      undefined,
      /3 tab-separated/,
    ],
    [
      "conflicting judgements",
      { "qrels/test.tsv": "q1\td1\t1\nq1\td1\t2\n" },
      "qrels/test.tsv",
      2,
      "corpus-id",
      /judged twice/,
    ],
  ];
  for (const [name, files, file, line, field, reason] of cases)
    it(name, async () => {
      const folder = await miniBeir(tmp, name.replace(/\W+/g, "-"), files);
      const err = await inputError(loadEvalSet(folder));
      expectLocated(err, join(folder, file), line, field);
      expect(err.reason).toMatch(reason);
    });

  it("malformed corpus lines are caught with a run too, kept or not", async () => {
    const run = await tmp.write("fast.trec", "q1 Q0 d1 1 2 x\nq2 Q0 3 1 1 x\n");
    const corpus = (unkept: string, kept: string) =>
      `${jsonl([{ _id: "d1", text: "a" }])}${unkept}\n${kept}\n`;
    const truncated = await miniBeir(tmp, "fast-unkept", {
      "corpus.jsonl": corpus('{"_id": "d9", "text": "cut', '{"_id":"3","text":"c"}'),
    });
    expectLocated(
      await inputError(loadEvalSet(truncated, { candidates: run })),
      join(truncated, "corpus.jsonl"),
      2,
    );
    const badKept = await miniBeir(tmp, "fast-kept", {
      "corpus.jsonl": corpus('{"_id":"d9","text":"b"}', '{"_id": "3", "text": c}'),
    });
    const err = await inputError(loadEvalSet(badKept, { candidates: run }));
    expectLocated(err, join(badKept, "corpus.jsonl"), 3);
    expect(err.reason).toMatch(/malformed JSON/);
  });

  it("a corrupt .gz file, at the first line it cannot deliver", async () => {
    const folder = await miniBeir(tmp, "corrupt", { "corpus.jsonl": undefined });
    const rows = Array.from({ length: 3_000 }, (_, i) => ({ _id: `d${i}`, text: `document ${i}` }));
    const zipped = gzipSync(jsonl(rows));
    const bad = await tmp.write("corrupt/corpus.jsonl.gz", zipped.subarray(0, zipped.length - 30), {
      raw: true,
    });
    const err = await inputError(loadEvalSet(folder));
    expectLocated(err, bad);
    expect(err.reason).toMatch(/^not a valid gzip file/);
    expect(err.line).toBeGreaterThan(2_900);
  });

  it("a .gz name on a file that is not gzip: read as the text it is (gzip is told by its magic bytes)", async () => {
    const folder = await miniBeir(tmp, "not-zipped", { "corpus.jsonl": undefined });
    const named = await tmp.write(
      "not-zipped/corpus.jsonl.gz",
      '{"_id": "d1", "text": "plain"}\nnot json\n',
      {
        raw: true,
      },
    );
    const err = await inputError(loadEvalSet(folder));
    expectLocated(err, named, 2);
    expect(err.reason).toMatch(/^malformed JSON/);
  });

  it("a duplicate document in one ranking of the run", async () => {
    const folder = await miniBeir(tmp, "duprun");
    const run = await tmp.write("dup.trec", "q1 Q0 d1 1 3 x\nq1 Q0 d2 2 2 x\nq1 Q0 d1 3 1 x\n");
    expectLocated(await inputError(loadEvalSet(folder, { candidates: run })), run, 3, "docid");
  });

  it("a folder without corpus.jsonl, a file where a folder is expected, a missing run", async () => {
    const empty = join(tmp.dir, "empty");
    await tmp.write("empty/readme.txt", "nothing");
    expectLocated(await inputError(loadEvalSet(empty)), empty);
    expectLocated(await inputError(loadEvalSet(empty, { format: "beir" })), empty);
    const file = join(TINY, "run.trec");
    const err = await inputError(loadEvalSet(file, { format: "beir" }));
    expectLocated(err, file);
    expect(err.reason).toMatch(/is a file \(expected a BEIR folder/);
    const missingRun = join(tmp.dir, "none.trec");
    expectLocated(await inputError(loadEvalSet(TINY, { candidates: missingRun })), missingRun);
  });
});
