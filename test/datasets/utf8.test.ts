/**
 * Ids that are not valid UTF-8 are refused by every loader, with file:line and field: decoded, two
 * different byte strings would become the same id (q\xff1 and q\xfe1 both read as q\uFFFD1).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEvalSet } from "../../src/datasets/index.js";
import { expectLocated, inputError, jsonl, miniBeir, scratch } from "./helpers.js";

let tmp: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  tmp = await scratch();
});
afterAll(() => tmp.cleanup());

/** The UTF-8 bytes of `text`, except that 'ÿ' and 'þ' stand for the single bytes 0xff and 0xfe (not UTF-8). */
const raw = (text: string) =>
  Buffer.concat(
    text
      .split(/([\u00fe\u00ff])/)
      .map((part) =>
        part.length === 1 && part >= "\u00fe" ? Buffer.from([part.charCodeAt(0)]) : Buffer.from(part),
      ),
  );

describe("loaders refuse ids that are not UTF-8", () => {
  it("BEIR qrels TSV: query-id and corpus-id", async () => {
    const folder = await miniBeir(tmp, "tsv-bytes");
    const qrels = await tmp.write(
      "tsv-bytes/qrels/test.tsv",
      raw("query-id\tcorpus-id\tscore\nq1\td1\t1\nq\u00ff\td1\t1\n"),
    );
    const err = await inputError(loadEvalSet(folder));
    expectLocated(err, qrels, 3, "query-id");
    expect(err.reason).toMatch(/^not valid UTF-8 \(read as 'q\uFFFD'\): ids are compared as text/);
    await tmp.write("tsv-bytes/qrels/test.tsv", raw("query-id\tcorpus-id\tscore\nq1\td\u00ff\t1\n"));
    expectLocated(await inputError(loadEvalSet(folder)), qrels, 2, "corpus-id");
  });

  it("BEIR queries and corpus: _id, also on the fast path that skips unreferenced documents", async () => {
    const queries = raw(`${jsonl([{ _id: "q1", text: "one" }])}{"_id": "q\u00ff", "text": "x"}\n`);
    const folder = await miniBeir(tmp, "jsonl-bytes");
    const qfile = await tmp.write("jsonl-bytes/queries.jsonl", queries);
    expectLocated(await inputError(loadEvalSet(folder)), qfile, 2, "_id");

    const corpus = raw(
      `${jsonl([
        { _id: "d1", text: "a" },
        { _id: "d2", text: "b" },
        { _id: 3, text: "c" },
      ])}{"_id": "d\u00ff", "text": "x"}\n`,
    );
    const other = await miniBeir(tmp, "corpus-bytes");
    const cfile = await tmp.write("corpus-bytes/corpus.jsonl", corpus);
    expectLocated(await inputError(loadEvalSet(other)), cfile, 4, "_id");
    const run = await tmp.write("corpus-bytes.trec", "q1 Q0 d1 1 1 t\n");
    expectLocated(await inputError(loadEvalSet(other, { candidates: run })), cfile, 4, "_id");
  });

  it("a text that is not an id may hold such bytes (it is read as before)", async () => {
    const folder = await miniBeir(tmp, "text-bytes");
    await tmp.write(
      "text-bytes/corpus.jsonl",
      raw(
        `{"_id": "d1", "text": "caf\u00ff"}\n${jsonl([
          { _id: "d2", text: "b" },
          { _id: 3, text: "c" },
        ])}`,
      ),
    );
    const set = await loadEvalSet(folder);
    expect(set.docs.get("d1")?.text).toBe("caf\uFFFD");
  });

  it("MTEB: query_id, and the texts its ids are derived from", async () => {
    const withId = await tmp.write(
      "ids.jsonl",
      raw('{"query_id": "q\u00ff", "query": "a", "positive": ["p"], "negative": ["n"]}\n'),
    );
    expectLocated(await inputError(loadEvalSet(withId)), withId, 1, "query_id");
    const derived = await tmp.write(
      "texts.jsonl",
      raw('{"query": "caf\u00ff", "positive": ["p"], "negative": ["n"]}\n'),
    );
    expectLocated(await inputError(loadEvalSet(derived)), derived, 1, "query");
    // Two negatives that differ only in an invalid byte would be one document ("judged twice").
    const docs = await tmp.write(
      "docs.jsonl",
      raw('{"query": "a", "positive": ["p"], "negative": ["x\u00ff", "x\u00fe"]}\n'),
    );
    expectLocated(await inputError(loadEvalSet(docs)), docs, 1, "negative");
  });

  it("CSV: id columns, and the texts ids are derived from when there are none", async () => {
    const withIds = await tmp.write(
      "ids.csv",
      raw("query_id,query,doc_id,document,label\nq1,a,d1,x,1\nq1,a,d\u00ff,y,0\n"),
    );
    expectLocated(await inputError(loadEvalSet(withIds)), withIds, 3, "doc_id");
    const derived = await tmp.write("texts.csv", raw("query,document,label\nwhat\u00ff,x,1\n"));
    expectLocated(await inputError(loadEvalSet(derived)), derived, 2, "query");
    // With id columns, a text is only a text.
    const textOnly = await tmp.write(
      "text.csv",
      raw("query_id,query,doc_id,document,label\nq1,caf\u00ff,d1,x,1\n"),
    );
    expect((await loadEvalSet(textOnly)).queries.get("q1")).toBe("caf\uFFFD");
  });
});
