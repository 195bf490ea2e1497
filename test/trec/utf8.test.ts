import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readQrels } from "../../src/trec/qrels.js";
import { readRun } from "../../src/trec/run.js";
import { showBytes, utf8Checker } from "../../src/trec/utf8.js";
import { file, inputError } from "./helpers.js";

const bytes = (...parts: Array<string | number[]>) =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : Buffer.from(p))));

describe("ids must be valid UTF-8: two byte strings are never read as one id", () => {
  it.each([
    ["qrels qid", () => readQrels(file(bytes("q1 0 d1 1\nq", [0xff], "1 0 d1 1\n"))), 2, "qid", "q\\xff1"],
    ["qrels docid", () => readQrels(file(bytes("q1 0 d", [0xfe], " 1\n"))), 1, "docid", "d\\xfe"],
    ["run qid", () => readRun(file(bytes("q", [0xfe], "1 Q0 d1 1 2.0 t\n"))), 1, "qid", "q\\xfe1"],
    [
      "run docid (gzip)",
      () => readRun(file(gzipSync(bytes("q1 Q0 a 1 2 t\nq1 Q0 caf", [0xe9], " 2 1 t\n")), "r.gz")),
      2,
      "docid",
      "caf\\xe9",
    ],
    [
      "run docid, a truncated sequence",
      () => readRun(file(bytes("q1 Q0 \u00e9", [0xe2, 0x82], " 1 1 t\n"))),
      1,
      "docid",
      "é\\xe2\\x82",
    ],
  ])("%s: file:line, the field, the bytes shown", async (_label, read, line, field, shown) => {
    const err = await inputError(read());
    expect(err).toMatchObject({ line, field });
    expect(err.message).toContain(`:${line}: field '${field}': '${shown}' is not valid UTF-8`);
    expect(err.message).toContain("save the file as UTF-8");
  });

  it("non-UTF-8 bytes outside the ids (a run's tag, a comment) are left alone", async () => {
    const run = await readRun(file(bytes("# r", [0xff], "\nq1 Q0 d1 1 2 tag", [0xff], "\n")));
    expect(run.get("q1")?.docIds).toEqual(["d1"]);
    const qrels = await readQrels(file(bytes("# by J", [0xf6], "rg\nq1 0 d1 1\n")));
    expect(qrels.get("q1")?.get("d1")).toBe(1);
  });

  it("valid multi-byte ids are read as before", async () => {
    const qrels = await readQrels(file("\u00e9 0 \u{1F600} 1\n"));
    expect(qrels.get("\u00e9")?.get("\u{1F600}")).toBe(1);
  });
});

describe("utf8Checker", () => {
  it("agrees with a whole-buffer check however the bytes are cut into chunks (property)", () => {
    const piece = fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 6 }).map((s) => Buffer.from(s, "utf8")),
      fc.uint8Array({ maxLength: 3 }).map((a) => Buffer.from(a)),
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 8 }),
        fc.array(fc.nat(40), { maxLength: 5 }),
        (parts, cuts) => {
          const all = Buffer.concat(parts);
          const checker = utf8Checker();
          let at = 0;
          let ok = true;
          for (const c of [...cuts].sort((a, b) => a - b)) {
            const end = Math.min(c, all.length);
            if (end < at) continue;
            ok = checker.push(all.subarray(at, end)) && ok;
            at = end;
          }
          ok = checker.push(all.subarray(at)) && ok;
          expect(ok && checker.end()).toBe(Buffer.from(all.toString("utf8"), "utf8").equals(all));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("showBytes keeps valid characters and escapes the rest", () => {
    expect(showBytes(bytes("a\u00e9", [0xff], "\u{1F600}", [0xc3]))).toBe("aé\\xff😀\\xc3");
  });
});
