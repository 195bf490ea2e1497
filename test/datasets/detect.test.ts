import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectFormat, loadEvalSet } from "../../src/datasets/index.js";
import { expectLocated, inputError, jsonl, SHIPPED, scratch } from "./helpers.js";

let tmp: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  tmp = await scratch();
});
afterAll(() => tmp.cleanup());

describe("detectFormat", () => {
  it("tells the formats apart from the path", async () => {
    expect(await detectFormat(join(SHIPPED, "tiny-beir"))).toBe("beir");
    expect(await detectFormat(join(SHIPPED, "capitals.csv"))).toBe("csv");
    expect(await detectFormat(join(SHIPPED, "tiny-beir/run.trec"))).toBe("trec");
    expect(await detectFormat(await tmp.write("x.tsv", "a"))).toBe("csv");
    expect(await detectFormat(await tmp.write("x.qrels", "a"))).toBe("trec");
    expect(await detectFormat(await tmp.write("x.txt", "a"))).toBe("trec");
    const mteb = jsonl([{ query: "q", positive: ["a"], negative: [] }]);
    expect(await detectFormat(await tmp.write("m.jsonl", `\n${mteb}`))).toBe("mteb");
    expect(await detectFormat(await tmp.write("m.jsonl.gz", mteb))).toBe("mteb");
    await tmp.write("gzbeir/corpus.jsonl.gz", "{}\n");
    expect(await detectFormat(join(tmp.dir, "gzbeir"))).toBe("beir");
  });

  it("explains what it expected when it cannot tell", async () => {
    const corpus = await tmp.write("corpus.jsonl", jsonl([{ _id: "1", text: "t" }]));
    const err = await inputError(detectFormat(corpus));
    expectLocated(err, corpus, 1, "positive");
    expect(err.reason).toMatch(/pass the BEIR folder/);
    const unknown = await tmp.write("data.parquet", "x");
    expect((await inputError(detectFormat(unknown))).reason).toMatch(
      /cannot tell the format.*--format csv\|beir\|mteb/,
    );
    const plain = join(tmp.dir, "plain");
    await tmp.write("plain/notes.md", "x");
    expect((await inputError(detectFormat(plain))).reason).toMatch(/not a BEIR folder/);
    const missing = join(tmp.dir, "missing.csv");
    expectLocated(await inputError(detectFormat(missing)), missing);
    const empty = await tmp.write("empty.jsonl", "\n\n");
    expect((await inputError(detectFormat(empty))).reason).toMatch(/empty file/);
  });
});

describe("forcing the format", () => {
  it("overrides the name: a .txt CSV and a .json MTEB file load once the format is given", async () => {
    const csv = await tmp.write("pairs.txt", "query,document,label\nwhat?,alpha,1\n");
    expect(await detectFormat(csv)).toBe("trec"); // by name alone, a TREC file
    const set = await loadEvalSet(csv, { format: "csv" });
    expect(set.format).toBe("csv");
    expect([...set.queries.values()]).toEqual(["what?"]);
    const mteb = await tmp.write("rows.json", jsonl([{ query: "q", positive: ["a"], negative: ["b"] }]));
    expect((await inputError(loadEvalSet(mteb))).reason).toMatch(/cannot tell the format/);
    const forced = await loadEvalSet(mteb, { format: "mteb" });
    expect(forced.format).toBe("mteb");
    expect(forced.candidates?.values().next().value).toHaveLength(2);
  });

  it("a forced format that does not fit says what that format expected, at the first bad line", async () => {
    const csv = join(SHIPPED, "capitals.csv");
    expectLocated(await inputError(loadEvalSet(csv, { format: "mteb" })), csv, 1);
    const mteb = await tmp.write("other.jsonl", jsonl([{ query: "q", positive: ["a"], negative: [] }]));
    const err = await inputError(loadEvalSet(mteb, { format: "csv" }));
    expectLocated(err, mteb, 1);
    expect(err.reason).toMatch(/quote inside an unquoted field/);
  });
});

describe("TREC files on their own", () => {
  it("are refused with a message that says why and what to do instead", async () => {
    const run = join(SHIPPED, "tiny-beir/run.trec");
    const err = await inputError(loadEvalSet(run));
    expectLocated(err, run);
    expect(err.reason).toMatch(/no query or document text/);
    expect(err.reason).toMatch(/--candidates run\.trec/);
    expect((await inputError(loadEvalSet(join(SHIPPED, "capitals.csv"), { format: "trec" }))).reason).toMatch(
      /no query or document text/,
    );
  });
});

describe("options", () => {
  it("refuses a depth that is not a positive integer", async () => {
    for (const depth of [0, -1, 2.5])
      await expect(loadEvalSet(join(SHIPPED, "capitals.csv"), { depth })).rejects.toThrow(/depth/);
  });

  it("a run as candidates works for CSV: run order, unknown documents dropped with a count", async () => {
    const run = await tmp.write(
      "capitals.trec",
      [
        "cap01 Q0 cap01-03 1 9.5 t",
        "cap01 Q0 cap01-99 2 8 t",
        "cap01 Q0 cap01-01 3 7 t",
        "zz Q0 cap01-01 1 1 t",
      ].join("\n"),
    );
    const set = await loadEvalSet(join(SHIPPED, "capitals.csv"), { candidates: run });
    expect(set.candidates).toEqual(new Map([["cap01", ["cap01-03", "cap01-01"]]]));
    expect(set.candidatesRanked).toBe(true);
    expect(set.docs.size).toBe(2);
    expect(set.qrels.size).toBe(22);
    expect(set.warnings).toHaveLength(3);
    expect(set.warnings[1]).toMatch(/^1 candidate \(1 query\)/);
    expect(set.warnings[0]).toMatch(
      /^1 of the 2 queries ranked in .* has no judgements in .*capitals.csv and is left out$/,
    );
    expect(set.warnings[2]).toMatch(/^21 of the 22 judged queries have no candidates/);
  });
});
