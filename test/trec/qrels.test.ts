import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { readQrels } from "../../src/trec/qrels.js";
import { readRun } from "../../src/trec/run.js";
import { dir, file, inputError } from "./helpers.js";

describe("readQrels", () => {
  it("reads grades per query; tabs, runs of spaces, CRLF, blank lines and negative grades", async () => {
    const q = await readQrels(file("q1 0 d1 1\r\nq1\t0\td2\t0\n\n  q2   0 d1 -1\r\nq2 0 d3 +3"));
    expect(q).toEqual(
      new Map([
        [
          "q1",
          new Map([
            ["d1", 1],
            ["d2", 0],
          ]),
        ],
        [
          "q2",
          new Map([
            ["d1", -1],
            ["d3", 3],
          ]),
        ],
      ]),
    );
  });

  it("skips lines that start with '#' (trec_eval's comments); a '#' elsewhere is data", async () => {
    const path = file("# judged by X\n#qrels v2\nq1 0 d#1 1\n# q1 0 d2 1\nq1 0 d3 0\n");
    expect(await readQrels(path)).toEqual(
      new Map([
        [
          "q1",
          new Map([
            ["d#1", 1],
            ["d3", 0],
          ]),
        ],
      ]),
    );
    // Comment lines keep their numbers: the bad line is reported as line 3.
    const err = await inputError(readQrels(file("# a\n# b\nq1 0 d1\n")));
    expect(err.message).toContain(":3: expected 4 columns");
    // Only the first character counts, as in trec_eval: after a blank, '#' is a query id.
    const indented = await inputError(readQrels(file("  # note\n")));
    expect(indented.message).toContain(":1: expected 4 columns `qid iter docid grade`, found 2");
  });

  it("skips a UTF-8 byte order mark", async () => {
    const q = await readQrels(file("\uFEFFq1 0 d1 1\n"));
    expect([...q.keys()]).toEqual(["q1"]);
    const run = await readRun(file("\uFEFFq1 Q0 d1 1 1 t\n"));
    expect([...run.keys()]).toEqual(["q1"]);
  });

  it("reads gzip transparently, whatever the name", async () => {
    const q = await readQrels(file(gzipSync("q1 0 d1 2\n"), "qrels.bin"));
    expect(q.get("q1")?.get("d1")).toBe(2);
  });

  it.each([
    ["q1 0 d1 1\nq1 0 d2\n", 2, undefined, "expected 4 columns"],
    ["q1 0 d1 1 extra\n", 1, undefined, "found 5"],
    ["q1 0 d1 1\n\nq1 0 d2 1.9\n", 3, "grade", "grade must be an integer, got '1.9'"],
    ["q1 0 d1 high\n", 1, "grade", "got 'high'"],
    ["q1 0 d1 12345678901\n", 1, "grade", "got '12345678901'"],
    ["q1 0 d1 1\nq1 0 d1 0\n", 2, "docid", "judged twice"],
  ])("rejects %j at line %i", async (content, line, field, reason) => {
    const path = file(content);
    const err = await inputError(readQrels(path));
    expect(err).toMatchObject({ file: path, line, field });
    expect(err.message).toContain(`${path}:${line}`);
    expect(err.message).toContain(reason);
  });

  it("rejects a missing file, a directory and an empty file", async () => {
    const missing = join(dir, "nope.txt");
    expect((await inputError(readQrels(missing))).message).toBe(`${missing}: no such file`);
    const sub = join(dir, "adir");
    mkdirSync(sub);
    expect((await inputError(readQrels(sub))).message).toContain("is a directory");
    expect((await inputError(readQrels(file("\n\n")))).message).toContain("no judgements");
  });

  it("rejects a corrupt gzip file", async () => {
    const gz = gzipSync("q1 0 d1 1\n".repeat(100));
    const err = await inputError(readQrels(file(gz.subarray(0, gz.length - 20))));
    expect(err.message).toContain("gzip");
  });
});
