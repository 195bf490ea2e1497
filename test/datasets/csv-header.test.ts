/**
 * The CSV header: the delimiter detected from it (or given), and a missing column named with the
 * mapping flag and the closest header names instead of "missing column (header has: …)".
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { delimiterOf } from "../../src/datasets/csv-header.js";
import { loadEvalSet } from "../../src/datasets/index.js";
import { expectLocated, inputError, scratch } from "./helpers.js";

let tmp: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  tmp = await scratch();
});
afterAll(() => tmp.cleanup());

describe("the delimiter", () => {
  it.each([
    ["query;document;label", ";"],
    ["query\tdocument\tlabel", "\t"],
    ["query,document,label", ","],
    ['"a;b;c",query,document,label', ","],
    ["query", ","],
  ])("of %j is %j", (header, expected) => {
    expect(delimiterOf(header)).toBe(expected);
  });

  it("';' and tab files named .csv load (their header was one column named 'query;document;label')", async () => {
    for (const [name, d] of [
      ["semi.csv", ";"],
      ["tabs.csv", "\t"],
    ]) {
      const file = await tmp.write(
        name,
        ["query", "document", "label"].join(d).concat(`\nwhat?${d}"a${d}b"${d}1\n`),
      );
      const set = await loadEvalSet(file);
      expect([...set.queries.values()]).toEqual(["what?"]);
      expect([...set.docs.values()]).toEqual([{ text: `a${d}b` }]);
    }
  });

  it("--delimiter (library: delimiter) overrides the detection; names are taken for awkward characters", async () => {
    const file = await tmp.write("pipes.csv", "query|document|label\nwhat?|a, b; c|1\n");
    for (const delimiter of ["|", "pipe"]) {
      const set = await loadEvalSet(file, { delimiter });
      expect([...set.docs.values()]).toEqual([{ text: "a, b; c" }]);
    }
    const tabs = await tmp.write("forced.csv", "query\tdocument\tlabel\nq\td;x\t1\n");
    expect([...(await loadEvalSet(tabs, { delimiter: "tab" })).docs.values()]).toEqual([{ text: "d;x" }]);
    await expect(loadEvalSet(file, { delimiter: "||" })).rejects.toThrow("delimiter must be one character");
    await expect(loadEvalSet("datasets/tiny-beir", { delimiter: ";" })).rejects.toThrow(
      "columns and delimiter apply to CSV sets only",
    );
  });
});

describe("a missing column", () => {
  it("names the mapping flag and the closest header names", async () => {
    const file = await tmp.write(
      "x.csv",
      "question,query_text,pid,passage,relevance\nwhat?,what?,p1,text,1\n",
    );
    const err = await inputError(loadEvalSet(file));
    expectLocated(err, file, 1);
    expect(err.message).toBe(
      `${file}:1: no column 'query' (map one with --columns query=NAME; closest headers: question, query_text)`,
    );
    const mapped = await inputError(loadEvalSet(file, { columns: { query: "question", document: "text" } }));
    expect(mapped.message).toBe(
      `${file}:1: no column 'text' (mapped by --columns document=text; closest headers: query_text)`,
    );
  });

  it("the mapping from the issue loads", async () => {
    const file = await tmp.write(
      "mapped.csv",
      "question,pid,passage,relevance\nwhat?,p1,text one,2\nwhat?,p2,text two,0\n",
    );
    const set = await loadEvalSet(file, {
      columns: { query: "question", docId: "pid", document: "passage", label: "relevance" },
    });
    expect(set.candidates?.size).toBe(1);
    expect([...set.qrels.values()][0]).toEqual(
      new Map([
        ["p1", 2],
        ["p2", 0],
      ]),
    );
  });
});
